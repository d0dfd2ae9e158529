package dev.zcproxy.app.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zcproxy.domain.contract.RecordingFeedListener;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.outbound.amqp.RabbitMqPolicyFeed;
import dev.zcproxy.outbound.jms.ArtemisPolicyFeed;
import dev.zcproxy.outbound.jpa.DatabaseSettings;
import dev.zcproxy.outbound.jpa.TestDatabase;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state service as wired by {@link StateApplication}, on the real PostgreSQL and a real broker:
 * a change made through the REST API reaches a proxy's feed, signed with the key the API serves.
 */
class StateApplicationPublishesTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path brokerData;

  private final ApiKeyToken admin = ApiKeyToken.generate(new SecureRandom());
  private final DatabaseSettings database = TestDatabase.get().newSchema();
  private final HttpClient http =
      HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
  private StateApplication application;
  private PolicyFeed feed;

  @AfterEach
  void stop() {
    if (feed != null) {
      feed.close();
    }
    if (application != null) {
      application.close();
    }
    http.close();
    TestDatabase.get().dropSchema(database.schema().orElseThrow());
  }

  @Test
  void aChangeReachesAFeedOnTheEmbeddedBrokerSignedWithTheServedKey() throws Exception {
    URI broker = URI.create("tcp://127.0.0.1:" + freePort());
    application = start(new BrokerSettings.Embedded(broker, brokerData));
    JsonNode key = get("/api/v1/policy/signing-key");

    RecordingFeedListener listener =
        subscribe(verifier -> ArtemisPolicyFeed.connect(broker, verifier), key);
    JsonNode alice = createUser("alice");

    OutboxEntry entry = awaitChangeFor("alice", listener);
    assertThat(entry.revision()).isEqualTo(alice.get("version").asLong());
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(metrics())
                    .contains("zcproxy_state_outbox_published_total 1.0")
                    .contains("zcproxy_state_outbox_lag_revisions 0.0")
                    .contains("zcproxy_state_outbox_publish_failures_total 0.0"));

    application.close();
    application = start(new BrokerSettings.Embedded(broker, brokerData));
    assertThat(get("/api/v1/policy/signing-key")).isEqualTo(key);
  }

  @Test
  void aChangeMadeWhileTheBrokerIsAwayIsPublishedOnceItIsBack() throws Exception {
    URI broker = URI.create("tcp://127.0.0.1:" + freePort());
    // An external broker that is not there yet: the service starts anyway and the relay retries.
    application = start(new BrokerSettings.External(broker));
    createUser("bob");
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(metrics())
                    .doesNotContain("zcproxy_state_outbox_publish_failures_total 0.0"));
    assertThat(metrics()).contains("zcproxy_state_outbox_lag_revisions 1.0");

    try (var started = dev.zcproxy.outbound.jms.EmbeddedArtemisBroker.start(broker, brokerData)) {
      RecordingFeedListener listener =
          subscribe(
              verifier -> ArtemisPolicyFeed.connect(broker, verifier),
              get("/api/v1/policy/signing-key"));
      // bob's change may have gone out before the subscription; the next one shows the relay is on.
      createUser("carol");
      awaitChangeFor("carol", listener);
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> assertThat(metrics()).contains("zcproxy_state_outbox_lag_revisions 0.0"));
    }
  }

  @Test
  void withRabbitMqAsTheExternalBrokerAChangeReachesARabbitMqFeed() throws Exception {
    String amqp = System.getenv("ZCPROXY_TEST_AMQP_URL");
    assertThat(amqp)
        .as(
            "ZCPROXY_TEST_AMQP_URL must name the test RabbitMQ, e.g. amqp://guest:guest@127.0.0.1:5672/")
        .isNotBlank();
    URI broker = URI.create(amqp);
    application = start(new BrokerSettings.External(broker));

    RecordingFeedListener listener =
        subscribe(
            verifier -> RabbitMqPolicyFeed.connect(broker, verifier),
            get("/api/v1/policy/signing-key"));
    String name = "dave" + Long.toHexString(System.nanoTime());
    createUser(name);

    awaitChangeFor(name, listener);
  }

  private StateApplication start(BrokerSettings broker) throws Exception {
    return StateApplication.start(
        new StateConfig(
            new InetSocketAddress("127.0.0.1", 0), database, Optional.of(admin), broker),
        Clock.systemUTC());
  }

  private RecordingFeedListener subscribe(
      Function<PolicyMessageVerifier, PolicyFeed> connect, JsonNode key) {
    var verifier =
        PolicyMessageVerifier.of(
            key.get("algorithm").asText(),
            key.get("keyId").asText(),
            key.get("publicKey").asText());
    RecordingFeedListener listener = new RecordingFeedListener();
    feed = connect.apply(verifier);
    feed.start(listener);
    await().atMost(PATIENCE).until(() -> listener.connects() >= 1);
    return listener;
  }

  private static OutboxEntry awaitChangeFor(String user, RecordingFeedListener listener) {
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                listener.changes().stream()
                    .anyMatch(
                        e ->
                            e.change() instanceof PolicyChange.UserPut(var u)
                                && u.name().equals(user)));
    return listener.changes().stream()
        .filter(e -> e.change() instanceof PolicyChange.UserPut(var u) && u.name().equals(user))
        .findFirst()
        .orElseThrow();
  }

  private JsonNode createUser(String name) throws Exception {
    HttpResponse<String> response =
        http.send(
            request("/api/v1/users")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"" + name + "\",\"password\":\"pw\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new ObjectMapper().readTree(response.body());
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }

  private String metrics() throws Exception {
    return http.send(request("/metrics").GET().build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + application.address().getPort() + path))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + admin.reveal());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
