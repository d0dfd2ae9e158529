package dev.zcproxy.app.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.state.ApiKeyToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateConfigTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:5432/zcproxy";

  @TempDir Path dir;

  @Test
  void the_database_url_is_all_it_needs() throws StateConfig.Invalid {
    StateConfig config = StateConfig.from(Map.of(StateConfig.DB_URL, URL, "PATH", "/usr/bin"));

    assertThat(config.listen().getHostString()).isEqualTo("127.0.0.1");
    assertThat(config.listen().getPort()).isEqualTo(8080);
    assertThat(config.database().jdbcUrl()).isEqualTo(URL);
    assertThat(config.database().user()).isEqualTo("zcproxy");
    assertThat(config.database().password()).isEmpty();
    assertThat(config.database().schema()).isEmpty();
    assertThat(config.bootstrapKey()).isEmpty();
  }

  /** The names the service's contract fixes: docs, scripts and other teams rely on them. */
  @Test
  void the_contract_names_are_these() throws StateConfig.Invalid {
    String key = ApiKeyToken.generate(new SecureRandom()).reveal();

    StateConfig config =
        StateConfig.from(
            Map.of(
                "ZCPROXY_STATE_LISTEN", "127.0.0.1:9001",
                "ZCPROXY_STATE_DB_URL", URL,
                "ZCPROXY_STATE_DB_USER", "someone",
                "ZCPROXY_STATE_DB_PASSWORD", "pw",
                "ZCPROXY_STATE_BOOTSTRAP_API_KEY", key,
                "ZCPROXY_STATE_EMBEDDED_BROKER", "tcp://127.0.0.1:61617"));

    assertThat(config.listen().getPort()).isEqualTo(9001);
    assertThat(config.database().user()).isEqualTo("someone");
    assertThat(config.database().password()).contains("pw");
    assertThat(config.bootstrapKey()).map(ApiKeyToken::reveal).contains(key);
    assertThat(config.broker())
        .isInstanceOfSatisfying(
            BrokerSettings.Embedded.class,
            embedded ->
                assertThat(embedded.listen()).isEqualTo(URI.create("tcp://127.0.0.1:61617")));
  }

  @Test
  void the_old_bootstrap_variable_names_its_new_name() {
    assertThatThrownBy(
            () ->
                StateConfig.from(
                    Map.of(StateConfig.DB_URL, URL, "ZCPROXY_STATE_BOOTSTRAP_KEY", "zcp_x")))
        .isInstanceOfSatisfying(
            StateConfig.Invalid.class,
            invalid ->
                assertThat(invalid.problems())
                    .containsExactly(
                        "ZCPROXY_STATE_BOOTSTRAP_KEY: renamed ZCPROXY_STATE_BOOTSTRAP_API_KEY"));
  }

  @Test
  void secrets_come_from_files_too() throws IOException, StateConfig.Invalid {
    String key = ApiKeyToken.generate(new SecureRandom()).reveal();
    Path keyFile = Files.writeString(dir.resolve("key"), key + "\n");
    Path passwordFile = Files.writeString(dir.resolve("password"), "s3cret\n");

    StateConfig config =
        StateConfig.from(
            Map.of(
                StateConfig.DB_URL,
                URL,
                StateConfig.DB_PASSWORD_FILE,
                passwordFile.toString(),
                StateConfig.BOOTSTRAP_KEY_FILE,
                keyFile.toString(),
                StateConfig.DB_SCHEMA,
                "zcproxy_state",
                StateConfig.LISTEN,
                "[::1]:9000"));

    assertThat(config.database().password()).contains("s3cret");
    assertThat(config.database().schema()).contains("zcproxy_state");
    assertThat(config.bootstrapKey()).map(ApiKeyToken::reveal).contains(key);
    assertThat(config.listen().getPort()).isEqualTo(9000);
  }

  @Test
  void every_problem_is_reported_at_once_naming_its_variable() {
    assertThatThrownBy(
            () ->
                StateConfig.from(
                    Map.of(
                        StateConfig.LISTEN,
                        "8080",
                        StateConfig.DB_PASSWORD,
                        "a",
                        StateConfig.DB_PASSWORD_FILE,
                        "/nonexistent",
                        StateConfig.BOOTSTRAP_KEY,
                        "zcp_short",
                        StateConfig.DB_SCHEMA,
                        "Bad-Schema",
                        "ZCPROXY_STATE_DBURL",
                        URL)))
        .isInstanceOfSatisfying(
            StateConfig.Invalid.class,
            invalid ->
                assertThat(invalid.problems())
                    .anySatisfy(p -> assertThat(p).startsWith("ZCPROXY_STATE_DBURL: unknown"))
                    .anySatisfy(p -> assertThat(p).startsWith("ZCPROXY_STATE_LISTEN: expected"))
                    .anySatisfy(p -> assertThat(p).startsWith("ZCPROXY_STATE_DB_PASSWORD: set"))
                    .anySatisfy(
                        p ->
                            assertThat(p).startsWith("ZCPROXY_STATE_BOOTSTRAP_API_KEY: not an API"))
                    .anySatisfy(p -> assertThat(p).startsWith("ZCPROXY_STATE_DB_URL: required"))
                    .hasSize(5));
  }

  @Test
  void the_embedded_broker_is_the_default_on_loopback() throws StateConfig.Invalid {
    StateConfig config = StateConfig.from(Map.of(StateConfig.DB_URL, URL));

    assertThat(config.broker())
        .isEqualTo(
            new BrokerSettings.Embedded(
                URI.create("tcp://127.0.0.1:61616"),
                Path.of(System.getProperty("java.io.tmpdir"), "zcproxy-state-broker")));
    StateConfig moved =
        StateConfig.from(
            Map.of(
                StateConfig.DB_URL,
                URL,
                StateConfig.EMBEDDED_BROKER,
                "tcp://0.0.0.0:5445",
                StateConfig.BROKER_DATA_DIR,
                dir.toString()));
    assertThat(moved.broker())
        .isEqualTo(new BrokerSettings.Embedded(URI.create("tcp://0.0.0.0:5445"), dir));
  }

  @Test
  void an_external_broker_is_artemis_or_rabbitmq() throws StateConfig.Invalid {
    for (String url :
        new String[] {
          "tcp://artemis.internal:61616",
          "amqp://zcproxy:secret@rabbit.internal:5672/zcproxy",
          "amqps://rabbit.internal/"
        }) {
      StateConfig config =
          StateConfig.from(Map.of(StateConfig.DB_URL, URL, StateConfig.BROKER_URL, url));

      assertThat(config.broker()).isEqualTo(new BrokerSettings.External(URI.create(url)));
    }
  }

  @Test
  void bad_broker_settings_name_their_variable_and_hide_the_password() {
    assertThatThrownBy(
            () ->
                StateConfig.from(
                    Map.of(
                        StateConfig.DB_URL,
                        URL,
                        StateConfig.BROKER_URL,
                        "http://user:hunter2@broker:80/",
                        StateConfig.BROKER_DATA_DIR,
                        "/var/lib/x")))
        .isInstanceOfSatisfying(
            StateConfig.Invalid.class,
            invalid ->
                assertThat(invalid.problems())
                    .anySatisfy(p -> assertThat(p).startsWith("ZCPROXY_STATE_BROKER_URL: expected"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith("ZCPROXY_STATE_BROKER_DATA_DIR: only for the embedded"))
                    .allSatisfy(p -> assertThat(p).doesNotContain("hunter2"))
                    .hasSize(2));
    for (String bad : new String[] {"127.0.0.1:61616", "tcp://127.0.0.1", "amqp://h:5672"}) {
      assertThatThrownBy(
              () ->
                  StateConfig.from(
                      Map.of(StateConfig.DB_URL, URL, StateConfig.EMBEDDED_BROKER, bad)))
          .isInstanceOfSatisfying(
              StateConfig.Invalid.class,
              invalid ->
                  assertThat(invalid.problems())
                      .singleElement()
                      .satisfies(
                          p ->
                              assertThat(p).startsWith("ZCPROXY_STATE_EMBEDDED_BROKER: expected")));
    }
  }

  @Test
  void a_bad_schema_name_is_blamed_on_the_schema_variable() {
    assertThatThrownBy(
            () -> StateConfig.from(Map.of(StateConfig.DB_URL, URL, StateConfig.DB_SCHEMA, "1-bad")))
        .isInstanceOfSatisfying(
            StateConfig.Invalid.class,
            invalid ->
                assertThat(invalid.problems())
                    .singleElement()
                    .satisfies(p -> assertThat(p).startsWith("ZCPROXY_STATE_DB_SCHEMA: ")));
  }

  @Test
  void new_api_key_prints_a_key_the_service_accepts() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status =
        new Main(Map.of(), new PrintStream(out, true), new PrintStream(err, true))
            .run("new-api-key");

    assertThat(status).isZero();
    assertThat(ApiKeyToken.parse(out.toString(StandardCharsets.UTF_8).strip())).isPresent();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
