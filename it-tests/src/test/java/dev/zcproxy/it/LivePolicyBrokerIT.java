package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.LiveStateService;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.TcpEchoServer;
import dev.zcproxy.outbound.amqp.TestRabbitMq;
import dev.zcproxy.outbound.jms.ArtemisPolicyChangePublisher;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxy that follows the state service through a broker: with the service's embedded Artemis and
 * with RabbitMQ. The proxy's periodic check is set to an hour, so what reaches it in the test came
 * through the broker. A message signed with another key is dropped and counted, and the policy
 * stays what the database says.
 */
class LivePolicyBrokerIT {

  private static final Duration AWAIT = Duration.ofSeconds(60);

  @TempDir static Path workDir;
  static OriginServer origin;
  static TcpEchoServer echo;

  @BeforeAll
  static void startPeers() {
    origin = OriginServer.start();
    echo = TcpEchoServer.start();
  }

  @AfterAll
  static void stopPeers() throws Exception {
    Closeables.closeAll(origin, echo);
  }

  @Test
  void changesArriveThroughTheEmbeddedArtemisAndAForgedMessageIsDropped() throws IOException {
    URI broker = URI.create("tcp://127.0.0.1:" + FreePorts.tcp());
    try (LiveStateService state =
            LiveStateService.start(
                "live-artemis",
                Map.of(
                    "ZCPROXY_STATE_EMBEDDED_BROKER",
                    broker.toString(),
                    "ZCPROXY_STATE_BROKER_DATA_DIR",
                    workDir.resolve("artemis").toString()));
        ProxyProcess proxy = proxy(state, broker, "LivePolicyBrokerIT-artemis")) {
      followsChangesAndCutsARevokedUser(state, proxy, "dave");

      // Anyone who reaches the broker can publish; only the state service can sign.
      PolicySigningKey stranger = PolicySigningKey.generate();
      try (ArtemisPolicyChangePublisher forger =
          ArtemisPolicyChangePublisher.connect(broker, new PolicyMessageSigner(stranger))) {
        long head = Long.parseLong(state.databaseRevisionAndDigest().split(" ")[0]);
        forger.publish(
            List.of(
                new OutboxEntry(
                    head + 1,
                    head,
                    new PolicyChange.UserPut(
                        new User("mallory", new PasswordHash("{plain}let-me-in"), Set.of(), true)),
                    Instant.now())));
      }
      await()
          .atMost(AWAIT)
          .until(() -> proxy.metricSum("zcproxy_policy_messages_rejected_total") >= 1);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      // Counted a moment before it is logged, and the log comes through a pipe: wait for the line.
      await()
          .atMost(AWAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.log())
                      .contains(
                          "policy feed message rejected: a message signed with key \""
                              + stranger.keyId()
                              + "\""));
    }
  }

  @Test
  void changesArriveThroughRabbitMq() throws IOException {
    URI broker = TestRabbitMq.get().uri();
    try (LiveStateService state =
            LiveStateService.start(
                "live-rabbitmq", Map.of("ZCPROXY_STATE_BROKER_URL", broker.toString()));
        ProxyProcess proxy = proxy(state, broker, "LivePolicyBrokerIT-rabbitmq")) {
      followsChangesAndCutsARevokedUser(state, proxy, "erin");
    }
  }

  private static ProxyProcess proxy(LiveStateService state, URI broker, String name) {
    ProxyProcess proxy =
        ProxyProcess.builder(workDir.resolve(name))
            .name(name)
            .policySection(
                """
                policy:
                  stateService: { url: "http://127.0.0.1:%d", apiKey: "%s" }
                  broker: { url: "%s" }
                  cacheFile: cache/policy.json
                  resyncInterval: 1h"""
                    .formatted(state.process().port(), state.proxyKey(), broker))
            .start();
    proxy.awaitLogLines("policy changes from broker", 1);
    return proxy;
  }

  /**
   * A user and a rule made over the API admit curl; disabling the user closes its open tunnel; the
   * proxy ends with the database's digest.
   */
  private static void followsChangesAndCutsARevokedUser(
      LiveStateService state, ProxyProcess proxy, String user) throws IOException {
    double appliedBefore = proxy.metricSum("zcproxy_policy_deltas_applied_total");
    state.createUser(user);
    state.createRule(user, origin.port(), echo.port());
    await()
        .atMost(AWAIT)
        .untilAsserted(
            () -> {
              Curl.Result result =
                  Curl.socks5Hostname(proxy.port())
                      .user(user, LiveStateService.PASSWORD)
                      .fetch(origin.url("localhost", "/hello"));
              assertThat(result.exitCode()).as(result.toString()).isZero();
              assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
            });
    // A delta is counted a moment after its policy is in force (and saved): wait for the count.
    await()
        .atMost(AWAIT)
        .untilAsserted(
            () ->
                assertThat(proxy.metricSum("zcproxy_policy_deltas_applied_total") - appliedBefore)
                    .as("both changes came as deltas from the broker")
                    .isGreaterThanOrEqualTo(2));

    try (Socks5Client tunnel = Socks5Client.connect(proxy.port())) {
      tunnel.authenticate(user, LiveStateService.PASSWORD);
      Socks5Reply reply =
          tunnel.request(
              Socks5Client.CONNECT,
              new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()));
      assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
      byte[] hello = "open".getBytes(StandardCharsets.US_ASCII);
      tunnel.send(hello);
      assertThat(tunnel.readExactly(hello.length)).isEqualTo(hello);

      state.disableUser(user);

      tunnel.socket().setSoTimeout((int) AWAIT.toMillis());
      assertThat(tunnel.closedByProxy()).as("the tunnel is closed by the proxy").isTrue();
    }
    state.awaitDigestOfTheDatabase(proxy, AWAIT);
    assertThat(proxy.metricSum("zcproxy_policy_resyncs_total"))
        .as("the snapshot was fetched at start only (the check runs hourly)")
        .isLessThanOrEqualTo(2);
  }
}
