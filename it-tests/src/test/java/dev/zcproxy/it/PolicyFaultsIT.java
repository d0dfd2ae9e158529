package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.domain.state.PolicyVerificationKey;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.LiveStateService;
import dev.zcproxy.it.support.PolicyChurn;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.outbound.amqp.TestRabbitMq;
import dev.zcproxy.outbound.jms.ArtemisPolicyChangePublisher;
import dev.zcproxy.outbound.jms.ArtemisPolicyFeed;
import dev.zcproxy.outbound.jms.EmbeddedArtemisBroker;
import dev.zcproxy.outbound.jpa.TcpCutter;
import dev.zcproxy.outbound.jpa.TestDatabase;
import dev.zcproxy.outbound.wire.PolicyMessageCodec;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults that must lose nothing, with the real jars: the broker stopped in the middle of a thousand
 * changes, RabbitMQ closing both ends' connections, the state service killed between commit and
 * publish, PostgreSQL going away under the API, and garbage on the topic. After each, the proxy
 * holds exactly the database's policy, and (read from its log) it installed revisions only in
 * increasing order. The proxies' periodic check is an hour, so what they get, they get through the
 * broker or through the snapshot a reconnect or a gap fetches.
 */
class PolicyFaultsIT {

  private static final Duration AWAIT = Duration.ofSeconds(120);
  private static final Pattern INSTALLED =
      Pattern.compile("policy revision (\\d+) installed from (\\w+)");
  private static final String SUBSCRIBED = "subscribed to policy changes";

  @TempDir static Path workDir;
  static EmbeddedArtemisBroker artemis;

  @BeforeAll
  static void startBroker() {
    artemis =
        EmbeddedArtemisBroker.start(
            URI.create("tcp://127.0.0.1:" + FreePorts.tcp()), workDir.resolve("artemis"));
  }

  @AfterAll
  static void stopBroker() {
    if (artemis != null) {
      artemis.close();
    }
  }

  @Test
  void aThousandChangesSurviveTheBrokerStoppingMidStream() {
    try (LiveStateService state = stateOnArtemis("faults-artemis-stop");
        ProxyProcess proxy = proxy(state, artemis.uri(), "PolicyFaultsIT-artemis-stop")) {
      PolicyChurn churn = new PolicyChurn(state, "stop", 1);
      churn.mutate(400);

      artemis.stop();
      churn.mutate(200); // committed while the broker is away: they wait in the outbox
      artemis.start();
      awaitLogLines(proxy, SUBSCRIBED, 2);
      double deltasBefore = proxy.metricSum("zcproxy_policy_deltas_applied_total");

      churn.mutate(400);
      assertThat(churn.made()).isEqualTo(1_000);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      assertThat(proxy.metricSum("zcproxy_policy_deltas_applied_total"))
          .as("changes came through the broker again after it restarted")
          .isGreaterThan(deltasBefore);
      assertInstalledInIncreasingOrder(proxy);
    }
  }

  @Test
  void aThousandChangesSurviveRabbitMqClosingBothConnections() throws Exception {
    TestRabbitMq rabbit = TestRabbitMq.get();
    String vhost = "zcproxy-faults-" + UUID.randomUUID();
    URI broker = rabbit.virtualHost(vhost);
    try (LiveStateService state =
            LiveStateService.start(
                "faults-rabbitmq", Map.of("ZCPROXY_STATE_BROKER_URL", broker.toString()));
        ProxyProcess proxy = proxy(state, broker, "PolicyFaultsIT-rabbitmq")) {
      PolicyChurn churn = new PolicyChurn(state, "rabbit", 2);
      churn.mutate(300);

      assertThat(rabbit.closeConnections(vhost, "zcproxy-policy-publisher@"))
          .as("the state service's publisher connection")
          .isEqualTo(1);
      churn.mutate(300);

      assertThat(rabbit.closeConnections(vhost, "zcproxy-policy-feed@"))
          .as("the proxy's feed connection")
          .isEqualTo(1);
      awaitLogLines(proxy, SUBSCRIBED, 2);
      churn.mutate(400);

      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      assertThat(proxy.log()).contains("lost the policy subscription on RabbitMQ");
      assertInstalledInIncreasingOrder(proxy);
    } finally {
      rabbit.deleteVirtualHost(vhost);
    }
  }

  /**
   * The broker is away while changes are committed, and the service dies before it could publish
   * them. Started again on the same schema, it publishes them from the outbox: a subscriber of the
   * test's own sees every one of them on the topic, and the proxy ends at the database's policy.
   */
  @Test
  void changesCommittedButNotPublishedWhenTheServiceIsKilledArePublishedAfterItsRestart()
      throws Exception {
    try (LiveStateService state = stateOnArtemis("faults-kill");
        ProxyProcess proxy = proxy(state, artemis.uri(), "PolicyFaultsIT-kill")) {
      PolicyChurn churn = new PolicyChurn(state, "kill", 3);
      churn.mutate(50);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      long published = state.databaseRevision();

      Received received = new Received();
      try (PolicyFeed witness = ArtemisPolicyFeed.connect(artemis.uri(), verifier(state))) {
        witness.start(received);
        await().atMost(AWAIT).until(() -> received.connects.size() == 1);

        artemis.stop();
        churn.mutate(50);
        long committed = state.databaseRevision();
        assertThat(committed).isGreaterThan(published);
        state.process().kill();

        artemis.start();
        await().atMost(AWAIT).until(() -> received.connects.size() == 2);
        awaitLogLines(proxy, SUBSCRIBED, 2);
        state.restart("faults-kill-restarted");

        await()
            .atMost(AWAIT)
            .untilAsserted(
                () ->
                    assertThat(received.revisions())
                        .as("what the broker carried after the restart")
                        .containsAll(
                            LongStream.rangeClosed(published + 1, committed).boxed().toList()));
        assertThat(received.rejections).isEmpty();
      }
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      assertInstalledInIncreasingOrder(proxy);
    }
  }

  /**
   * The service reaches PostgreSQL through a {@link TcpCutter} (the shared server is not
   * restarted): while it is cut, the API answers 503 problem+json; once it is back, the same
   * service takes changes again, and they reach the proxy.
   */
  @Test
  void whilePostgresqlIsAwayTheApiAnswers503AndRecoversByItself() {
    try (TcpCutter cutter = TcpCutter.inFrontOf(TestDatabase.get().jdbcUrl());
        LiveStateService state =
            LiveStateService.start(
                "faults-postgresql",
                Map.of(
                    "ZCPROXY_STATE_DB_URL",
                    cutter.jdbcUrl(),
                    "ZCPROXY_STATE_BROKER_URL",
                    artemis.uri().toString()));
        ProxyProcess proxy = proxy(state, artemis.uri(), "PolicyFaultsIT-postgresql")) {
      PolicyChurn churn = new PolicyChurn(state, "pg", 4);
      churn.mutate(20);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);

      cutter.cut();
      HttpResponse<String> refused =
          state
              .process()
              .postJson(
                  "/api/v1/users",
                  state.adminKey(),
                  "{\"name\":\"while-away\",\"password\":\"%s\"}"
                      .formatted(LiveStateService.PASSWORD));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
      assertThat(refused.body()).contains("\"status\":503");
      HttpResponse<String> read = state.process().get("/api/v1/users", state.adminKey());
      assertThat(read.statusCode()).as(read.body()).isEqualTo(503);

      cutter.restore();
      await()
          .atMost(AWAIT)
          .until(() -> state.process().get("/api/v1/users", state.adminKey()).statusCode() == 200);
      assertThat(state.process().get("/api/v1/users/while-away", state.adminKey()).statusCode())
          .as("the refused change left nothing behind")
          .isEqualTo(404);
      churn.mutate(20);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      assertInstalledInIncreasingOrder(proxy);
    }
  }

  /**
   * Anyone who reaches the broker can publish: a message that is not bytes, unsigned garbage, and
   * (signed with the service's own key, so they pass the signature check) garbage, broken JSON and
   * an unknown kind. Each is dropped and counted; the policy in force stays, and the next real
   * change still arrives.
   */
  @Test
  void malformedMessagesOnTheTopicAreRejectedCountedAndChangeNothing() throws Exception {
    try (LiveStateService state = stateOnArtemis("faults-malformed");
        ProxyProcess proxy = proxy(state, artemis.uri(), "PolicyFaultsIT-malformed")) {
      PolicyChurn churn = new PolicyChurn(state, "bad", 5);
      churn.mutate(10);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      double rejectedBefore = proxy.metricSum("zcproxy_policy_messages_rejected_total");

      PolicyMessageSigner signer = new PolicyMessageSigner(state.signingKey());
      long head = state.databaseRevision();
      String wellFormed =
          new String(
              new PolicyMessageCodec()
                  .encode(
                      new OutboxEntry(
                          head + 1,
                          head,
                          new PolicyChange.UserPut(
                              new User(
                                  "mallory", new PasswordHash("{plain}let-me-in"), Set.of(), true)),
                          Instant.now())),
              StandardCharsets.UTF_8);
      String unknownKind = wellFormed.replace("\"kind\":\"user.put\"", "\"kind\":\"user.grant\"");
      assertThat(unknownKind).as(wellFormed).isNotEqualTo(wellFormed);
      byte[] garbage = {0x00, (byte) 0xff, 0x13, 0x37, (byte) 0xc3, 0x28};

      try (ActiveMQConnectionFactory factory =
              new ActiveMQConnectionFactory(
                  "tcp://127.0.0.1:" + artemis.uri().getPort() + "?reconnectAttempts=0");
          Connection connection = factory.createConnection()) {
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer topic =
            session.createProducer(session.createTopic(ArtemisPolicyChangePublisher.TOPIC));
        topic.send(session.createTextMessage(wellFormed));
        topic.send(bytes(session, garbage, null, null));
        topic.send(bytes(session, garbage, signer.keyId(), signer.signature(garbage)));
        byte[] brokenJson = wellFormed.substring(0, wellFormed.length() / 2).getBytes();
        topic.send(bytes(session, brokenJson, signer.keyId(), signer.signature(brokenJson)));
        byte[] unknown = unknownKind.getBytes(StandardCharsets.UTF_8);
        topic.send(bytes(session, unknown, signer.keyId(), signer.signature(unknown)));
      }

      await()
          .atMost(AWAIT)
          .until(
              () ->
                  proxy.metricSum("zcproxy_policy_messages_rejected_total") - rejectedBefore >= 5);
      // Each rejection is counted a moment before it is logged, and the log comes through a pipe.
      await()
          .atMost(AWAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.log())
                      .contains(
                          "policy feed message rejected: a message that is not a bytes message")
                      .contains("policy feed message rejected: an unsigned message")
                      .contains("policy feed message rejected: a signed but malformed message"));
      assertThat(proxy.log()).doesNotContain("let-me-in");
      state.awaitDigestOfTheDatabase(proxy, AWAIT);

      double deltasBefore = proxy.metricSum("zcproxy_policy_deltas_applied_total");
      churn.mutate(1);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      // /policy shows a delta's digest a moment before the delta is counted: wait for the count.
      await()
          .atMost(AWAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.metricSum("zcproxy_policy_deltas_applied_total"))
                      .as("the next real change came through the broker")
                      .isGreaterThan(deltasBefore));
      assertInstalledInIncreasingOrder(proxy);
    }
  }

  private static BytesMessage bytes(Session session, byte[] body, String keyId, String signature)
      throws Exception {
    BytesMessage message = session.createBytesMessage();
    message.writeBytes(body);
    if (keyId != null) {
      message.setStringProperty(PolicyMessageHeaders.KEY_ID, keyId);
      message.setStringProperty(PolicyMessageHeaders.SIGNATURE, signature);
    }
    return message;
  }

  private static LiveStateService stateOnArtemis(String name) {
    return LiveStateService.start(
        name, Map.of("ZCPROXY_STATE_BROKER_URL", artemis.uri().toString()));
  }

  private static PolicyMessageVerifier verifier(LiveStateService state) {
    PolicySigningKey key = state.signingKey();
    return new PolicyMessageVerifier(
        new PolicyVerificationKey(PolicySigningKey.ALGORITHM, key.keyId(), key.publicKey()));
  }

  private static ProxyProcess proxy(LiveStateService state, URI broker, String name) {
    ProxyProcess proxy =
        ProxyProcess.builder(workDir.resolve(name))
            .name(name)
            .policySection(
                """
                policy:
                  stateService: { url: "http://127.0.0.1:%d", apiKey: "%s", connectTimeout: 2s }
                  broker: { url: "%s" }
                  cacheFile: cache/policy.json
                  resyncInterval: 1h"""
                    .formatted(state.process().port(), state.proxyKey(), broker))
            .start();
    awaitLogLines(proxy, SUBSCRIBED, 1);
    return proxy;
  }

  private static void awaitLogLines(ProxyProcess proxy, String fragment, long atLeast) {
    await("a log line containing '" + fragment + "' (" + atLeast + " in all)")
        .atMost(AWAIT)
        .until(() -> proxy.countLogLines(fragment) >= atLeast);
  }

  /**
   * Every policy the proxy installed (its log has a line for each) had a higher revision than the
   * one before: no change was applied out of order, none twice, and the policy never went back.
   */
  private static void assertInstalledInIncreasingOrder(ProxyProcess proxy) {
    List<Long> revisions = new ArrayList<>();
    Matcher installed = INSTALLED.matcher(proxy.log());
    while (installed.find()) {
      revisions.add(Long.parseLong(installed.group(1)));
    }
    assertThat(revisions).isNotEmpty().isSorted().doesNotHaveDuplicates();
  }

  /** What the test's own subscriber saw. */
  private static final class Received implements PolicyFeed.Listener {
    final List<String> connects = new CopyOnWriteArrayList<>();
    final List<OutboxEntry> changes = new CopyOnWriteArrayList<>();
    final List<String> rejections = new CopyOnWriteArrayList<>();

    @Override
    public void connected() {
      connects.add("connected");
    }

    @Override
    public void change(OutboxEntry entry) {
      changes.add(entry);
    }

    @Override
    public void rejected(String reason) {
      rejections.add(reason);
    }

    @Override
    public void disconnected(String reason) {}

    List<Long> revisions() {
      return changes.stream().map(OutboxEntry::revision).toList();
    }
  }
}
