package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import dev.zcproxy.inbound.netty.ProxyServerSettings.Quic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code quic} keys: off unless enabled, enabled only beside TLS, and every bad value named by
 * its key; and the startup error when QUIC's UDP port cannot be bound.
 */
class QuicConfigTest {

  private static final Quic TUNED = new Quic(true, 500, 20, Duration.ofSeconds(45), 250);

  @TempDir Path directory;

  @Test
  void quicIsOffUnlessConfigured() throws Exception {
    LoadedConfig config = load("policy: { file: p.yaml }", Map.of());

    assertThat(config.config().quic()).isEqualTo(Quic.OFF);
    assertThat(config.serverSettings().quic()).isEqualTo(Quic.OFF);
    assertThat(Quic.OFF)
        .as("what the example file documents as the defaults")
        .isEqualTo(new Quic(false, 0, 0, Duration.ofSeconds(30), 100));
  }

  @Test
  void theExampleFileDocumentsEveryKeyWithItsDefault() throws Exception {
    List<String> example = Files.readAllLines(examples().resolve("zcproxy.yaml"));
    int section = example.indexOf("#quic:");
    String quic =
        example.stream()
            .skip(section)
            .takeWhile(line -> line.startsWith("#"))
            .map(line -> line.substring(1))
            .collect(Collectors.joining("\n"));

    LoadedConfig config =
        load("policy: { file: p.yaml }\ntls: { selfSigned: true }\n" + quic, Map.of());

    assertThat(quic).contains("enabled", "maxStreamsPerConnection");
    assertThat(config.serverSettings().quic()).isEqualTo(Quic.OFF);
  }

  @Test
  void readsEveryKeyAndHandsThemToTheFrontEndBesideTheTlsIdentity() throws Exception {
    LoadedConfig config =
        load(
            """
            policy: { file: p.yaml }
            tls: { selfSigned: true }
            quic:
              enabled: true
              maxConnections: 500
              maxConnectionsPerSource: 20
              idleTimeout: 45s
              maxStreamsPerConnection: 250
            """,
            Map.of());

    assertThat(config.config().quic()).isEqualTo(TUNED);
    assertThat(config.serverSettings().quic()).isEqualTo(TUNED);
    assertThat(config.serverSettings().tls().identity())
        .contains(config.identities().tls().orElseThrow());
  }

  @Test
  void theEnvironmentCanSetEveryKey() throws Exception {
    LoadedConfig config =
        load(
            "policy: { file: p.yaml }",
            Map.of(
                "ZCPROXY_TLS_SELF_SIGNED", "true",
                "ZCPROXY_QUIC_ENABLED", "true",
                "ZCPROXY_QUIC_MAX_CONNECTIONS", "500",
                "ZCPROXY_QUIC_MAX_CONNECTIONS_PER_SOURCE", "20",
                "ZCPROXY_QUIC_IDLE_TIMEOUT", "45s",
                "ZCPROXY_QUIC_MAX_STREAMS_PER_CONNECTION", "250"));

    assertThat(config.serverSettings().quic()).isEqualTo(TUNED);
  }

  @Test
  void unsetKeysKeepTheirDefaults() throws Exception {
    LoadedConfig config =
        load(
            "policy: { file: p.yaml }\ntls: { selfSigned: true }\nquic: { enabled: true }",
            Map.of());

    assertThat(config.serverSettings().quic()).isEqualTo(Quic.on());
  }

  @Test
  void theKeysAreTakenWhileQuicIsOffSoThatOneVariableTurnsItOff() throws Exception {
    LoadedConfig config =
        load(
            "policy: { file: p.yaml }\nquic: { enabled: true, maxConnections: 500 }",
            Map.of("ZCPROXY_QUIC_ENABLED", "false"));

    assertThat(config.serverSettings().quic())
        .isEqualTo(new Quic(false, 500, 0, Duration.ofSeconds(30), 100));
  }

  @Test
  void enabledWithoutTlsIsRefusedNamingTheKey() {
    assertThat(problems("quic: { enabled: true }"))
        .containsExactly(
            "config key 'quic.enabled': QUIC needs TLS, whose certificate it serves: set"
                + " tls.certificate and tls.privateKey, or tls.selfSigned");
    assertThat(problems("tls: { selfSigned: false }\nquic: { enabled: true }"))
        .singleElement()
        .asString()
        .startsWith("config key 'quic.enabled': QUIC needs TLS");
  }

  @Test
  void enabledWithoutTlsFromTheEnvironmentNamesTheVariable() {
    assertThat(problems("policy: { file: p.yaml }", Map.of("ZCPROXY_QUIC_ENABLED", "true")))
        .containsExactly(
            "config key 'quic.enabled' (from ZCPROXY_QUIC_ENABLED): QUIC needs TLS, whose"
                + " certificate it serves: set tls.certificate and tls.privateKey, or"
                + " tls.selfSigned");
  }

  @Test
  void aTlsProblemIsReportedOnceNotAgainUnderQuic() {
    assertThat(problems("tls: { certificate: proxy.crt }\nquic: { enabled: true }"))
        .containsExactly(
            "config key 'tls.privateKey': missing; tls.certificate needs it (or set"
                + " ZCPROXY_TLS_PRIVATE_KEY)");
    assertThat(problems("tls: { selfSigned: maybe }\nquic: { enabled: true }"))
        .containsExactly("config key 'tls.selfSigned': expected true or false, got \"maybe\"");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "enabled: maybe                | config key 'quic.enabled': expected true or false, got"
            + " \"maybe\"",
        "maxConnections: -1            | config key 'quic.maxConnections': expected a whole"
            + " number from 0 to 2147483647, got -1",
        "maxConnectionsPerSource: -1   | config key 'quic.maxConnectionsPerSource': expected a"
            + " whole number from 0 to 2147483647, got -1",
        "maxConnectionsPerSource: many | config key 'quic.maxConnectionsPerSource': expected a"
            + " whole number from 0 to 2147483647, got \"many\"",
        "idleTimeout: 0s               | config key 'quic.idleTimeout': must be longer than 0,"
            + " got \"0s\"",
        "idleTimeout: -5s              | config key 'quic.idleTimeout': expected a duration like"
            + " 30s or 5m, got \"-5s\"",
        "idleTimeout: 30               | config key 'quic.idleTimeout': expected a duration like"
            + " 30s or 5m, got 30",
        "maxStreamsPerConnection: 0    | config key 'quic.maxStreamsPerConnection': expected a"
            + " whole number from 1 to 10000, got 0",
        "maxStreamsPerConnection: 10001 | config key 'quic.maxStreamsPerConnection': expected a"
            + " whole number from 1 to 10000, got 10001",
        "maxStreams: 10                | config key 'quic.maxStreams': unknown key",
      })
  void aBadValueIsNamedByItsKey(String entry, String problem) {
    assertThat(problems("tls: { selfSigned: true }\nquic: { " + entry + " }"))
        .containsExactly(problem);
  }

  @Test
  void aQuicSectionThatIsNoMappingIsRefused() {
    assertThat(problems("tls: { selfSigned: true }\nquic: true"))
        .containsExactly("config key 'quic': expected a mapping, got true");
  }

  @Test
  void aBadValueFromTheEnvironmentNamesTheVariable() {
    assertThat(
            problems(
                "policy: { file: p.yaml }\ntls: { selfSigned: true }",
                Map.of("ZCPROXY_QUIC_MAX_STREAMS_PER_CONNECTION", "20000")))
        .containsExactly(
            "config key 'quic.maxStreamsPerConnection' (from"
                + " ZCPROXY_QUIC_MAX_STREAMS_PER_CONNECTION): expected a whole number from 1 to"
                + " 10000, got \"20000\"");
  }

  @Test
  void everyBadValueIsReportedInOneRun() {
    assertThat(
            problems(
                "quic: { enabled: true, maxConnections: -1, idleTimeout: 0s,"
                    + " maxStreamsPerConnection: 0 }"))
        .extracting(problem -> problem.substring(0, problem.indexOf(':')))
        .containsExactly(
            "config key 'quic.maxConnections'",
            "config key 'quic.idleTimeout'",
            "config key 'quic.maxStreamsPerConnection'",
            "config key 'quic.enabled'");
  }

  @Test
  void aUdpBindFailureNamesQuicEnabled() throws Exception {
    ProxyConfig config =
        load(
                "policy: { file: p.yaml }\ntls: { selfSigned: true }",
                Map.of("ZCPROXY_QUIC_ENABLED", "true"))
            .config();
    var refused =
        new IllegalStateException(
            "cannot listen on UDP 127.0.0.1:1080 for QUIC: Address already in use");

    StartupException startup = ProxyApplication.listenRefused(config, refused);

    assertThat(startup)
        .hasMessage(
            "config key 'quic.enabled' (from ZCPROXY_QUIC_ENABLED): cannot listen on UDP"
                + " 127.0.0.1:1080 for QUIC: Address already in use")
        .hasCause(refused);
  }

  @Test
  void aTcpBindFailureKeepsTheFrontEndsMessage() throws Exception {
    ProxyConfig config =
        load(
                "policy: { file: p.yaml }\ntls: { selfSigned: true }\nquic: { enabled: true }",
                Map.of())
            .config();
    var refused = new IllegalStateException("cannot listen on 127.0.0.1:1080: Address in use");

    assertThat(ProxyApplication.listenRefused(config, refused))
        .hasMessage("cannot listen on 127.0.0.1:1080: Address in use");
  }

  private static Path examples() {
    Path here = Path.of("").toAbsolutePath();
    Path examples = here.resolveSibling("examples");
    return Files.isDirectory(examples) ? examples : here.resolve("examples");
  }

  private LoadedConfig load(String yaml, Map<String, String> environment) throws Exception {
    return LoadedConfig.load(write(yaml), environment, directory.resolve("cwd"));
  }

  private List<String> problems(String quicYaml) {
    return problems("policy: { file: p.yaml }\n" + quicYaml, Map.of());
  }

  private List<String> problems(String yaml, Map<String, String> environment) {
    return catchThrowableOfType(
            ConfigException.class,
            () -> new ProxyConfigLoader(environment, directory.resolve("cwd")).load(write(yaml)))
        .problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("zcproxy.yaml"), yaml);
  }
}
