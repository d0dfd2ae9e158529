package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.StateProcess;
import dev.zcproxy.outbound.jms.ArtemisPolicyFeed;
import dev.zcproxy.outbound.jpa.TestDatabase;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The state service's jar with its embedded broker: a change made with curl reaches a proxy-side
 * feed, signed with the key the API serves, and the feed comes back by itself after the service
 * (and so the broker) restarts.
 */
class PolicyBrokerIT {

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  static String schema;
  static String adminKey;
  static URI broker;
  static Map<String, String> environment;

  @BeforeAll
  static void prepare() throws IOException {
    TestDatabase database = TestDatabase.get();
    schema = TestDatabase.newSchemaName();
    ProxyProcess.Exited made =
        StateProcess.runExpectingExit("broker-new-api-key", Map.of(), "new-api-key");
    assertThat(made.status()).as(made.output()).isZero();
    adminKey = made.output().strip();
    broker = URI.create("tcp://127.0.0.1:" + FreePorts.tcp());
    environment = new LinkedHashMap<>();
    environment.put("ZCPROXY_STATE_DB_URL", database.jdbcUrl());
    environment.put("ZCPROXY_STATE_DB_USER", database.user());
    database.password().ifPresent(p -> environment.put("ZCPROXY_STATE_DB_PASSWORD", p));
    environment.put("ZCPROXY_STATE_DB_SCHEMA", schema);
    environment.put("ZCPROXY_STATE_BOOTSTRAP_API_KEY", adminKey);
    environment.put("ZCPROXY_STATE_EMBEDDED_BROKER", broker.toString());
    environment.put(
        "ZCPROXY_STATE_BROKER_DATA_DIR",
        Files.createTempDirectory(Path.of("target").toAbsolutePath(), "policy-broker-it")
            .toString());
  }

  @AfterAll
  static void dropSchema() {
    TestDatabase.get().dropSchema(schema);
  }

  @Test
  void aChangeMadeWithCurlReachesASubscriberSignedAndSurvivesARestart() throws Exception {
    Events events = new Events();
    PolicyFeed feed = null;
    try {
      JsonNode key;
      try (StateProcess state = StateProcess.start("broker", environment)) {
        key = json(curl(state, "GET", "/api/v1/policy/signing-key", null));
        assertThat(key.get("algorithm").asText()).isEqualTo("Ed25519");
        feed =
            ArtemisPolicyFeed.connect(
                broker,
                PolicyMessageVerifier.of(
                    key.get("algorithm").asText(),
                    key.get("keyId").asText(),
                    key.get("publicKey").asText()));
        feed.start(events);
        Awaitility.await().atMost(PATIENCE).until(() -> events.connects.get() == 1);

        JsonNode alice =
            json(
                curl(
                    state,
                    "POST",
                    "/api/v1/users",
                    "{\"name\":\"alice\",\"password\":\"wonderland-in-2026\"}"));

        OutboxEntry entry = events.awaitUser("alice");
        assertThat(entry.revision()).isEqualTo(alice.get("version").asLong());
        assertThat(entry.previousRevision()).isZero();
        assertThat(state.stop()).isZero();
      }
      Awaitility.await().atMost(PATIENCE).until(() -> !events.disconnects.isEmpty());

      try (StateProcess restarted = StateProcess.start("broker-restarted", environment)) {
        assertThat(json(curl(restarted, "GET", "/api/v1/policy/signing-key", null))).isEqualTo(key);
        Awaitility.await().atMost(PATIENCE).until(() -> events.connects.get() == 2);
        curl(restarted, "POST", "/api/v1/users", "{\"name\":\"bob\",\"password\":\"pw-pw-pw-pw\"}");

        OutboxEntry bob = events.awaitUser("bob");
        assertThat(bob.previousRevision()).isEqualTo(events.awaitUser("alice").revision());
        assertThat(events.rejections).isEmpty();
      }
    } finally {
      if (feed != null) {
        feed.close();
      }
    }
  }

  private static String curl(StateProcess state, String method, String path, String json)
      throws IOException, InterruptedException {
    var command =
        new java.util.ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "--fail-with-body",
                "--max-time",
                "20",
                "--noproxy",
                "*",
                "-X",
                method,
                "-H",
                "Authorization: Bearer " + adminKey));
    if (json != null) {
      command.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", json));
    }
    command.add(state.uri(path).toString());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("curl %s %s: %s", method, path, output).isZero();
    return output;
  }

  private static JsonNode json(String body) throws IOException {
    return new ObjectMapper().readTree(body);
  }

  /** What the feed told its listener. */
  private static final class Events implements PolicyFeed.Listener {
    final AtomicInteger connects = new AtomicInteger();
    final List<OutboxEntry> changes = new CopyOnWriteArrayList<>();
    final List<String> rejections = new CopyOnWriteArrayList<>();
    final List<String> disconnects = new CopyOnWriteArrayList<>();

    @Override
    public void connected() {
      connects.incrementAndGet();
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
    public void disconnected(String reason) {
      disconnects.add(reason);
    }

    OutboxEntry awaitUser(String name) {
      Awaitility.await()
          .atMost(PATIENCE)
          .until(() -> changes.stream().anyMatch(entry -> isPutOf(entry, name)));
      return changes.stream().filter(entry -> isPutOf(entry, name)).findFirst().orElseThrow();
    }

    private static boolean isPutOf(OutboxEntry entry, String name) {
      return entry.change() instanceof PolicyChange.UserPut(var user) && user.name().equals(name);
    }
  }
}
