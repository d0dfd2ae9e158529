package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.StateProcess;
import dev.zcproxy.outbound.jpa.TestDatabase;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The state service's jar as an operator runs it, on the real PostgreSQL (ZCPROXY_TEST_DB_URL, or
 * Testcontainers), in a schema of its own: a bootstrap key from the environment, the API behind it,
 * and data that outlives a restart.
 */
class StateServiceIT {

  static String schema;
  static String adminKey;
  static Map<String, String> environment;

  @BeforeAll
  static void prepare() {
    TestDatabase database = TestDatabase.get();
    schema = TestDatabase.newSchemaName();
    adminKey = newApiKey();
    environment = new LinkedHashMap<>();
    environment.put("ZCPROXY_STATE_DB_URL", database.jdbcUrl());
    environment.put("ZCPROXY_STATE_DB_USER", database.user());
    database.password().ifPresent(p -> environment.put("ZCPROXY_STATE_DB_PASSWORD", p));
    environment.put("ZCPROXY_STATE_DB_SCHEMA", schema);
    environment.put("ZCPROXY_STATE_BOOTSTRAP_API_KEY", adminKey);
  }

  @AfterAll
  static void dropSchema() {
    TestDatabase.get().dropSchema(schema);
  }

  private static String newApiKey() {
    ProxyProcess.Exited made =
        StateProcess.runExpectingExit("new-api-key", Map.of(), "new-api-key");
    assertThat(made.status()).as(made.output()).isZero();
    return made.output().strip();
  }

  @Test
  void servesTheApiBehindTheBootstrapKeyAndKeepsWhatItStoredAcrossARestart() {
    try (StateProcess state = StateProcess.start("api", environment)) {
      assertThat(state.get("/healthz", null).statusCode()).isEqualTo(200);

      HttpResponse<String> anonymous = state.get("/api/v1/users", null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));

      HttpResponse<String> created =
          state.postJson(
              "/api/v1/users",
              adminKey,
              "{\"name\":\"alice\",\"password\":\"wonderland-in-2026\",\"groups\":[\"staff\"]}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      assertThat(created.body()).doesNotContain("wonderland");

      HttpResponse<String> metrics = state.get("/metrics", null);
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("hikaricp_connections");
      assertThat(state.stop()).as("exit status after SIGTERM").isZero();
    }

    try (StateProcess restarted = StateProcess.start("api-restarted", environment)) {
      HttpResponse<String> users = restarted.get("/api/v1/users", adminKey);
      assertThat(users.statusCode()).isEqualTo(200);
      assertThat(users.body()).contains("\"name\":\"alice\"").contains("\"staff\"");
      // Logged at startup, but the output reaches us through a pipe: wait for it.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> assertThat(restarted.log()).contains("bootstrap admin key already installed"));
    }
  }

  @Test
  void badSettingsStopItAtStartupNamingEachVariable() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("ZCPROXY_STATE_BOOTSTRAP_API_KEY", "not-a-key");
    bad.put("ZCPROXY_STATE_LISTEN", "nowhere");
    bad.put("ZCPROXY_STATE_DB_PASWORD", "typo");

    ProxyProcess.Exited exited = StateProcess.runExpectingExit("bad-settings", bad);

    assertThat(exited.status()).isEqualTo(2);
    assertThat(exited.stderr())
        .contains("ZCPROXY_STATE_DB_URL: required")
        .contains("ZCPROXY_STATE_LISTEN: expected host:port")
        .contains("ZCPROXY_STATE_BOOTSTRAP_API_KEY: not an API key")
        .contains("ZCPROXY_STATE_DB_PASWORD: unknown variable")
        .doesNotContain("Exception");
  }

  @Test
  void anUnreachableDatabaseIsAStartupFailureNamingIt() {
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.put("ZCPROXY_STATE_DB_URL", "jdbc:postgresql://127.0.0.1:1/nowhere");

    ProxyProcess.Exited exited = StateProcess.runExpectingExit("no-database", env);

    assertThat(exited.status()).isEqualTo(1);
    assertThat(exited.stderr()).contains("cannot connect to jdbc:postgresql://127.0.0.1:1/nowhere");
  }
}
