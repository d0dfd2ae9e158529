package dev.zcproxy.app.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.outbound.accesslog.AccessLogFormat;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ProxyConfigLoaderTest {

  private static final String FULL =
      """
      listen: 127.0.0.2:1081
      admin: { listen: 127.0.0.3:9091 }
      relay: copy
      policy: { file: policies/main.yaml }
      limits:
        handshakeTimeout: 500ms
        idleTimeout: 2h
        connectTimeout: 3s
        bindAcceptTimeout: 1m
        maxHandshakeBytes: 8192
        maxHeaderBytes: 32768
        maxConnections: 1000
        maxConnectionsPerSource: 50
        maxConnectionsPerUser: 20
        minOpenFiles: 50000
      shutdown: { drainTimeout: 0s }
      """;

  @TempDir Path directory;

  @Test
  void relayIsASectionAndItsModeAloneStillWorks() throws Exception {
    ProxyConfig section =
        load(
            "relay: { mode: splice, maxPipes: 0, pipeSize: 65536 }\n"
                + "policy: { file: p.yaml }\n",
            Map.of());
    assertThat(section.relay()).isEqualTo(RelayMode.SPLICE);
    assertThat(section.pipes()).isEqualTo(new ProxyConfig.Pipes(Optional.of(0), 65536));

    ProxyConfig shorthand = load("relay: copy\npolicy: { file: p.yaml }\n", Map.of());
    assertThat(shorthand.relay()).isEqualTo(RelayMode.COPY);
    assertThat(shorthand.pipes()).isEqualTo(new ProxyConfig.Pipes(Optional.empty(), 262144));

    assertThat(problems("relay: { pipeSize: 100 }\npolicy: { file: p.yaml }\n", Map.of()))
        .singleElement()
        .asString()
        .startsWith("config key 'relay.pipeSize': expected a whole number from 4096 to 1048576");
    assertThat(problems("policy: { file: p.yaml }\n", Map.of("ZCPROXY_RELAY_MAX_PIPES", "-1")))
        .singleElement()
        .asString()
        .startsWith("config key 'relay.maxPipes' (from ZCPROXY_RELAY_MAX_PIPES): expected");
  }

  @Test
  void readsEveryKey() throws Exception {
    ProxyConfig config = load(FULL, Map.of());

    assertThat(config.listen()).isEqualTo(address("127.0.0.2", 1081));
    assertThat(config.admin()).contains(new ProxyConfig.Admin(address("127.0.0.3", 9091)));
    assertThat(config.relay()).isEqualTo(RelayMode.COPY);
    assertThat(((ProxyConfig.PolicySource.File) config.policy()).file())
        .isEqualTo(directory.resolve("policies/main.yaml"));
    assertThat(config.limits())
        .isEqualTo(
            new ProxyConfig.Limits(
                Duration.ofMillis(500),
                Duration.ofHours(2),
                Duration.ofSeconds(3),
                Duration.ofMinutes(1),
                8192,
                1000,
                50,
                20,
                Duration.ofHours(2),
                32768,
                50000));
    assertThat(config.shutdown().drainTimeout()).isZero();
    assertThat(config.serverSettings())
        .isEqualTo(
            new ProxyServerSettings(
                    address("127.0.0.2", 1081),
                    RelayMode.COPY,
                    ProxyServerSettings.Timeouts.of(
                        Duration.ofMillis(500),
                        Duration.ofHours(2),
                        Duration.ofSeconds(3),
                        Duration.ofMinutes(1)),
                    ProxyServerSettings.Limits.of(8192, 1000, 50, 20))
                .withMaxHeaderBytes(32768));
  }

  @Test
  void everythingButThePolicyFileHasADefault() throws Exception {
    ProxyConfig config = load("policy: { file: /etc/zcproxy/policy.yaml }", Map.of());

    ProxyServerSettings defaults = ProxyServerSettings.defaults(address("127.0.0.1", 1080));
    assertThat(config.serverSettings()).isEqualTo(defaults);
    assertThat(config.admin()).isEmpty();
    assertThat(((ProxyConfig.PolicySource.File) config.policy()).file())
        .isEqualTo(Path.of("/etc/zcproxy/policy.yaml"));
    assertThat(config.shutdown().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.tls()).as("TLS is off by default").isEmpty();
  }

  @Test
  void theStreamIdleTimeoutFollowsTheIdleTimeoutUnlessSet() throws Exception {
    assertThat(
            load("policy: { file: p.yaml }\nlimits: { idleTimeout: 7m }", Map.of())
                .serverSettings()
                .timeouts()
                .streamIdle())
        .isEqualTo(Duration.ofMinutes(7));
    assertThat(
            load(
                    "policy: { file: p.yaml }\nlimits: { idleTimeout: 7m }",
                    Map.of("ZCPROXY_LIMITS_STREAM_IDLE_TIMEOUT", "40s"))
                .serverSettings()
                .timeouts()
                .streamIdle())
        .isEqualTo(Duration.ofSeconds(40));
    assertThat(problems("policy: { file: p.yaml }\nlimits: { streamIdleTimeout: 0s }", Map.of()))
        .singleElement()
        .asString()
        .startsWith("config key 'limits.streamIdleTimeout': ");
  }

  @Test
  void theHeaderLimitIs16KiBUnlessSetAndReachesTheFrontEnd() throws Exception {
    assertThat(
            load("policy: { file: p.yaml }", Map.of()).serverSettings().limits().maxHeaderBytes())
        .isEqualTo(16384);
    assertThat(
            load("policy: { file: p.yaml }\nlimits: { maxHeaderBytes: 65536 }", Map.of())
                .serverSettings()
                .limits()
                .maxHeaderBytes())
        .isEqualTo(65536);
    assertThat(
            load(
                    "policy: { file: p.yaml }\nlimits: { maxHeaderBytes: 65536 }",
                    Map.of("ZCPROXY_LIMITS_MAX_HEADER_BYTES", "262144"))
                .serverSettings()
                .limits()
                .maxHeaderBytes())
        .isEqualTo(262144);
    assertThat(
            problems(
                "policy: { file: p.yaml }", Map.of("ZCPROXY_LIMITS_MAX_HEADER_BYTES", "1048576")))
        .containsExactly(
            "config key 'limits.maxHeaderBytes' (from ZCPROXY_LIMITS_MAX_HEADER_BYTES): expected a"
                + " whole number from 4096 to 262144, got \"1048576\"");
  }

  @Test
  void aNullAdminSectionOrListenDisablesTheAdminServer() throws Exception {
    assertThat(load("admin: null\npolicy: { file: p.yaml }", Map.of()).admin()).isEmpty();
    assertThat(load("admin: { listen: null }\npolicy: { file: p.yaml }", Map.of()).admin())
        .isEmpty();
  }

  @Test
  void acceptsBracketedIpv6AndHostNames() throws Exception {
    ProxyConfig config =
        load(
            """
            listen: "[::1]:1080"
            admin: { listen: "localhost:0" }
            policy: { file: p.yaml }
            """,
            Map.of());

    assertThat(config.listen())
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 1080));
    assertThat(config.admin().orElseThrow().listen().getAddress().isLoopbackAddress()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = ConfigKey.class,
      mode = EnumSource.Mode.EXCLUDE,
      names = {
        "TLS_CERTIFICATE",
        "TLS_PRIVATE_KEY",
        "TLS_SELF_SIGNED",
        "TLS_PROVIDER", // TlsConfigTest
        "POLICY_STATE_SERVICE_URL",
        "POLICY_STATE_SERVICE_API_KEY",
        "POLICY_STATE_SERVICE_API_KEY_FILE",
        "POLICY_STATE_SERVICE_CONNECT_TIMEOUT",
        "POLICY_STATE_SERVICE_REQUEST_TIMEOUT",
        "POLICY_BROKER_URL",
        "POLICY_CACHE_FILE",
        "POLICY_RESYNC_INTERVAL", // StateServiceConfigTest
        "KERBEROS_KEYTAB",
        "KERBEROS_PRINCIPAL",
        "KERBEROS_REALM",
        "KERBEROS_SOCKS5_PROTECTION", // KerberosConfigTest
        "QUIC_ENABLED" // needs TLS: QuicConfigTest
      })
  void everyKeyHasAnEnvironmentVariableThatOverridesTheFile(ConfigKey key) throws Exception {
    Map<ConfigKey, String> values =
        Map.ofEntries(
            Map.entry(ConfigKey.LISTEN, "127.0.0.9:2000"),
            Map.entry(ConfigKey.ADMIN_LISTEN, "127.0.0.9:2001"),
            Map.entry(ConfigKey.RELAY, "auto"),
            Map.entry(ConfigKey.RELAY_MAX_PIPES, "7"),
            Map.entry(ConfigKey.RELAY_PIPE_SIZE, "8192"),
            Map.entry(ConfigKey.POLICY_FILE, "/srv/other.yaml"),
            Map.entry(ConfigKey.LIMITS_HANDSHAKE_TIMEOUT, "7s"),
            Map.entry(ConfigKey.LIMITS_IDLE_TIMEOUT, "7m"),
            Map.entry(ConfigKey.LIMITS_CONNECT_TIMEOUT, "7ms"),
            Map.entry(ConfigKey.LIMITS_BIND_ACCEPT_TIMEOUT, "7h"),
            Map.entry(ConfigKey.LIMITS_MAX_HANDSHAKE_BYTES, "777"),
            Map.entry(ConfigKey.LIMITS_MAX_HEADER_BYTES, "65536"),
            Map.entry(ConfigKey.LIMITS_MAX_CONNECTIONS, "7"),
            Map.entry(ConfigKey.LIMITS_MAX_CONNECTIONS_PER_SOURCE, "77"),
            Map.entry(ConfigKey.LIMITS_MAX_CONNECTIONS_PER_USER, "777"),
            Map.entry(ConfigKey.LIMITS_MIN_OPEN_FILES, "7777"),
            Map.entry(ConfigKey.LIMITS_STREAM_IDLE_TIMEOUT, "17s"),
            Map.entry(ConfigKey.QUIC_MAX_CONNECTIONS, "7"),
            Map.entry(ConfigKey.QUIC_MAX_CONNECTIONS_PER_SOURCE, "77"),
            Map.entry(ConfigKey.QUIC_IDLE_TIMEOUT, "7s"),
            Map.entry(ConfigKey.QUIC_MAX_STREAMS_PER_CONNECTION, "777"),
            Map.entry(ConfigKey.ACCESS_LOG_ENABLED, "true"),
            Map.entry(ConfigKey.ACCESS_LOG_PATH, "/var/log/zcproxy/access.log"),
            Map.entry(ConfigKey.ACCESS_LOG_FORMAT, "squid"),
            Map.entry(ConfigKey.SHUTDOWN_DRAIN_TIMEOUT, "7s"));

    ProxyConfig config = load(FULL, Map.of(key.envName(), values.get(key)));

    Object expected =
        switch (key) {
          case LISTEN -> address("127.0.0.9", 2000);
          case ADMIN_LISTEN -> Optional.of(new ProxyConfig.Admin(address("127.0.0.9", 2001)));
          case RELAY -> RelayMode.AUTO;
          case RELAY_MAX_PIPES -> Optional.of(7);
          case RELAY_PIPE_SIZE -> 8192;
          case POLICY_FILE -> Path.of("/srv/other.yaml");
          case LIMITS_HANDSHAKE_TIMEOUT -> Duration.ofSeconds(7);
          case LIMITS_IDLE_TIMEOUT -> Duration.ofMinutes(7);
          case LIMITS_CONNECT_TIMEOUT -> Duration.ofMillis(7);
          case LIMITS_BIND_ACCEPT_TIMEOUT -> Duration.ofHours(7);
          case LIMITS_MAX_HANDSHAKE_BYTES -> 777;
          case LIMITS_MAX_HEADER_BYTES -> 65536;
          case LIMITS_MAX_CONNECTIONS -> 7;
          case LIMITS_MAX_CONNECTIONS_PER_SOURCE -> 77;
          case LIMITS_MAX_CONNECTIONS_PER_USER -> 777;
          case LIMITS_MIN_OPEN_FILES -> 7777;
          case LIMITS_STREAM_IDLE_TIMEOUT -> Duration.ofSeconds(17);
          case QUIC_MAX_CONNECTIONS -> 7;
          case QUIC_MAX_CONNECTIONS_PER_SOURCE -> 77;
          case QUIC_IDLE_TIMEOUT -> Duration.ofSeconds(7);
          case QUIC_MAX_STREAMS_PER_CONNECTION -> 777;
          case ACCESS_LOG_ENABLED -> true;
          case ACCESS_LOG_PATH -> Optional.of(Path.of("/var/log/zcproxy/access.log"));
          case ACCESS_LOG_FORMAT -> AccessLogFormat.SQUID;
          case SHUTDOWN_DRAIN_TIMEOUT -> Duration.ofSeconds(7);
          case TLS_CERTIFICATE,
              TLS_PRIVATE_KEY,
              TLS_SELF_SIGNED,
              TLS_PROVIDER,
              POLICY_STATE_SERVICE_URL,
              POLICY_STATE_SERVICE_API_KEY,
              POLICY_STATE_SERVICE_API_KEY_FILE,
              POLICY_STATE_SERVICE_CONNECT_TIMEOUT,
              POLICY_STATE_SERVICE_REQUEST_TIMEOUT,
              POLICY_BROKER_URL,
              POLICY_CACHE_FILE,
              POLICY_RESYNC_INTERVAL,
              KERBEROS_KEYTAB,
              KERBEROS_PRINCIPAL,
              KERBEROS_REALM,
              KERBEROS_SOCKS5_PROTECTION,
              QUIC_ENABLED ->
              throw new AssertionError(key);
        };
    Object actual =
        switch (key) {
          case LISTEN -> config.listen();
          case ADMIN_LISTEN -> config.admin();
          case RELAY -> config.relay();
          case RELAY_MAX_PIPES -> config.pipes().maxPipes();
          case RELAY_PIPE_SIZE -> config.pipes().pipeSize();
          case POLICY_FILE -> ((ProxyConfig.PolicySource.File) config.policy()).file();
          case LIMITS_HANDSHAKE_TIMEOUT -> config.limits().handshakeTimeout();
          case LIMITS_IDLE_TIMEOUT -> config.limits().idleTimeout();
          case LIMITS_CONNECT_TIMEOUT -> config.limits().connectTimeout();
          case LIMITS_BIND_ACCEPT_TIMEOUT -> config.limits().bindAcceptTimeout();
          case LIMITS_MAX_HANDSHAKE_BYTES -> config.limits().maxHandshakeBytes();
          case LIMITS_MAX_HEADER_BYTES -> config.serverSettings().limits().maxHeaderBytes();
          case LIMITS_MAX_CONNECTIONS -> config.limits().maxConnections();
          case LIMITS_MAX_CONNECTIONS_PER_SOURCE -> config.limits().maxConnectionsPerSource();
          case LIMITS_MAX_CONNECTIONS_PER_USER -> config.limits().maxConnectionsPerUser();
          case LIMITS_MIN_OPEN_FILES -> config.limits().minOpenFiles();
          case LIMITS_STREAM_IDLE_TIMEOUT -> config.limits().streamIdleTimeout();
          case QUIC_MAX_CONNECTIONS -> config.quic().maxConnections();
          case QUIC_MAX_CONNECTIONS_PER_SOURCE -> config.quic().maxConnectionsPerSource();
          case QUIC_IDLE_TIMEOUT -> config.quic().idleTimeout();
          case QUIC_MAX_STREAMS_PER_CONNECTION -> config.quic().maxStreamsPerConnection();
          case ACCESS_LOG_ENABLED -> config.accessLog().enabled();
          case ACCESS_LOG_PATH -> config.accessLog().file();
          case ACCESS_LOG_FORMAT -> config.accessLog().format();
          case SHUTDOWN_DRAIN_TIMEOUT -> config.shutdown().drainTimeout();
          case TLS_CERTIFICATE,
              TLS_PRIVATE_KEY,
              TLS_SELF_SIGNED,
              TLS_PROVIDER,
              POLICY_STATE_SERVICE_URL,
              POLICY_STATE_SERVICE_API_KEY,
              POLICY_STATE_SERVICE_API_KEY_FILE,
              POLICY_STATE_SERVICE_CONNECT_TIMEOUT,
              POLICY_STATE_SERVICE_REQUEST_TIMEOUT,
              POLICY_BROKER_URL,
              POLICY_CACHE_FILE,
              POLICY_RESYNC_INTERVAL,
              KERBEROS_KEYTAB,
              KERBEROS_PRINCIPAL,
              KERBEROS_REALM,
              KERBEROS_SOCKS5_PROTECTION,
              QUIC_ENABLED ->
              throw new AssertionError(key);
        };
    assertThat(actual).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "listen, ZCPROXY_LISTEN",
    "admin.listen, ZCPROXY_ADMIN_LISTEN",
    "policy.file, ZCPROXY_POLICY_FILE",
    "limits.idleTimeout, ZCPROXY_LIMITS_IDLE_TIMEOUT",
    "limits.maxConnectionsPerSource, ZCPROXY_LIMITS_MAX_CONNECTIONS_PER_SOURCE",
    "shutdown.drainTimeout, ZCPROXY_SHUTDOWN_DRAIN_TIMEOUT",
    "tls.certificate, ZCPROXY_TLS_CERTIFICATE",
    "tls.privateKey, ZCPROXY_TLS_PRIVATE_KEY",
    "tls.selfSigned, ZCPROXY_TLS_SELF_SIGNED",
    "kerberos.keytab, ZCPROXY_KERBEROS_KEYTAB",
    "quic.enabled, ZCPROXY_QUIC_ENABLED",
    "quic.maxStreamsPerConnection, ZCPROXY_QUIC_MAX_STREAMS_PER_CONNECTION"
  })
  void environmentNamesFollowTheKeyPath(String path, String envName) {
    assertThat(ConfigKey.byPath(path).orElseThrow().envName()).isEqualTo(envName);
  }

  @Test
  void anEnvironmentVariableCanSetAKeyWhoseSectionTheFileOmits() throws Exception {
    ProxyConfig config =
        load("policy: { file: p.yaml }", Map.of("ZCPROXY_ADMIN_LISTEN", "127.0.0.1:9999"));

    assertThat(config.admin()).contains(new ProxyConfig.Admin(address("127.0.0.1", 9999)));
  }

  @Test
  void anEmptyEnvironmentVariableUnsetsItsKey() throws Exception {
    ProxyConfig config = load(FULL, Map.of("ZCPROXY_ADMIN_LISTEN", "", "ZCPROXY_RELAY", ""));

    assertThat(config.admin()).isEmpty();
    assertThat(config.relay()).isEqualTo(RelayMode.AUTO);
  }

  @Test
  void aRelativePolicyFileFromTheEnvironmentIsRelativeToTheWorkingDirectory() throws Exception {
    Path workingDirectory = directory.resolve("cwd");

    ProxyConfig config =
        new ProxyConfigLoader(Map.of("ZCPROXY_POLICY_FILE", "here.yaml"), workingDirectory)
            .load(write(FULL));

    assertThat(((ProxyConfig.PolicySource.File) config.policy()).file())
        .isEqualTo(workingDirectory.resolve("here.yaml"));
  }

  @Test
  void otherEnvironmentVariablesAreIgnored() throws Exception {
    ProxyConfig config = load(FULL, Map.of("PATH", "/bin", "ZCPROXYLISTEN", "x"));

    assertThat(config.listen()).isEqualTo(address("127.0.0.2", 1081));
  }

  @Test
  void aZcproxyVariableThatMatchesNoKeyIsAnError() {
    assertThat(problems(FULL, Map.of("ZCPROXY_LIMITS_IDLE", "5m")))
        .containsExactly("environment variable ZCPROXY_LIMITS_IDLE: matches no config key");
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        arguments("listen: \"1080\"", "config key 'listen': expected host:port, got \"1080\""),
        arguments("listen: 1080", "config key 'listen': expected host:port, got 1080"),
        arguments(
            "listen: \"::1:1080\"",
            "config key 'listen': expected host:port with an IPv6 address in brackets, like"
                + " [::1]:1080, got \"::1:1080\""),
        arguments(
            "listen: \"[zz]:1080\"",
            "config key 'listen': expected an IPv6 address in the brackets, got \"[zz]:1080\""),
        arguments(
            "listen: \"127.0.0.1:65536\"",
            "config key 'listen': expected a port from 0 to 65535, got \"127.0.0.1:65536\""),
        arguments(
            "admin: { listen: [a] }", "config key 'admin.listen': expected host:port, got a list"),
        arguments("admin: 9090", "config key 'admin': expected a mapping, got 9090"),
        arguments(
            "relay: fast", "config key 'relay.mode': expected auto, splice or copy, got \"fast\""),
        arguments(
            "limits: { idleTimeout: abc }",
            "config key 'limits.idleTimeout': expected a duration like 30s or 5m, got \"abc\""),
        arguments(
            "limits: { connectTimeout: 10 }",
            "config key 'limits.connectTimeout': expected a duration like 30s or 5m, got 10"),
        arguments(
            "limits: { handshakeTimeout: 0s }",
            "config key 'limits.handshakeTimeout': must be longer than 0, got \"0s\""),
        arguments(
            "limits: { bindAcceptTimeout: 1d }",
            "config key 'limits.bindAcceptTimeout': expected a duration like 30s or 5m,"
                + " got \"1d\""),
        arguments(
            "limits: { maxHandshakeBytes: 10 }",
            "config key 'limits.maxHandshakeBytes': expected a whole number from 64 to 1048576,"
                + " got 10"),
        arguments(
            "limits: { maxHeaderBytes: 4095 }",
            "config key 'limits.maxHeaderBytes': expected a whole number from 4096 to 262144,"
                + " got 4095"),
        arguments(
            "limits: { maxHeaderBytes: 262145 }",
            "config key 'limits.maxHeaderBytes': expected a whole number from 4096 to 262144,"
                + " got 262145"),
        arguments(
            "limits: { maxHeaderBytes: 64k }",
            "config key 'limits.maxHeaderBytes': expected a whole number from 4096 to 262144,"
                + " got \"64k\""),
        arguments(
            "limits: { maxConnections: -1 }",
            "config key 'limits.maxConnections': expected a whole number from 0 to 2147483647,"
                + " got -1"),
        arguments(
            "limits: { maxConnectionsPerSource: lots }",
            "config key 'limits.maxConnectionsPerSource': expected a whole number from 0 to"
                + " 2147483647, got \"lots\""),
        arguments(
            "limits: { maxConnectionsPerUser: 1.5 }",
            "config key 'limits.maxConnectionsPerUser': expected a whole number from 0 to"
                + " 2147483647, got 1.5"),
        arguments(
            "shutdown: { drainTimeout: soon }",
            "config key 'shutdown.drainTimeout': expected a duration like 30s or 5m,"
                + " got \"soon\""),
        arguments("limts: { idleTimeout: 5m }", "config key 'limts': unknown key"),
        arguments("limits: { idle: 5m }", "config key 'limits.idle': unknown key"),
        arguments(
            "policy: { file: [a, b] }",
            "config key 'policy.file': expected a file path, got a list"));
  }

  @ParameterizedTest
  @MethodSource("badValues")
  void eachBadValueIsReportedWithItsKey(String line, String expected) {
    String yaml = line.startsWith("policy:") ? line : "policy: { file: p.yaml }\n" + line;

    assertThat(problems(yaml, Map.of())).containsExactly(expected);
  }

  @Test
  void aKeyMayBeGivenByItsWholePathAndTheLaterValueWinsButNullUnsetsNothing() throws Exception {
    ProxyConfig config =
        load(
            """
            admin.listen: 127.0.0.1:9
            limits.idleTimeout: 1m
            limits: { idleTimeout: 2m, connectTimeout: 3s }
            policy: { file: p.yaml }
            limits.connectTimeout: 4s
            shutdown: { drainTimeout: 5s }
            shutdown.drainTimeout: null
            """,
            Map.of());

    assertThat(config.admin()).contains(new ProxyConfig.Admin(address("127.0.0.1", 9)));
    assertThat(config.limits().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.limits().connectTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(config.shutdown().drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(problems("policy.file: p.yaml\n\"limits.idle\": 5m", Map.of()))
        .containsExactly("config key 'limits.idle': unknown key");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "admin: ''          | config key 'admin': expected a mapping, got \"\"",
        "admin: true        | config key 'admin': expected a mapping, got true",
        "admin: 1.5         | config key 'admin': expected a mapping, got 1.5",
        "admin: x           | config key 'admin': expected a mapping, got \"x\"",
        "limits: [5m]       | config key 'limits': expected a mapping, got a list",
        "policy.broker: 5   | config key 'policy.broker': expected a mapping, got 5"
      })
  void aSectionThatIsNoMappingIsNamedWhateverItHolds(String line, String expected) {
    assertThat(problems("policy: { file: p.yaml }\n" + line, Map.of())).containsExactly(expected);
  }

  @Test
  void everyEnumIsReadTheSameWayInAnyCase() throws Exception {
    assertThat(load(FULL, Map.of("ZCPROXY_RELAY", " Splice ")).relay()).isEqualTo(RelayMode.SPLICE);
    assertThat(problems(FULL, Map.of("ZCPROXY_RELAY", "fast")))
        .containsExactly(
            "config key 'relay.mode' (from ZCPROXY_RELAY): expected auto, splice or copy, got \"fast\"");
  }

  @Test
  void aSecretOfTheWrongTypeIsNotShown() {
    assertThat(
            problems(
                "policy: { stateService: { url: \"http://x:1\", apiKey: [s3cr3t] }, cacheFile: c }",
                Map.of()))
        .containsExactly("config key 'policy.stateService.apiKey': expected an API key (a string)");
  }

  @Test
  void aMissingPolicyFileKeyIsReported() {
    assertThat(problems("listen: 127.0.0.1:1080", Map.of()))
        .containsExactly(
            "config key 'policy.file': missing; name the policy file (or set"
                + " ZCPROXY_POLICY_FILE), or set policy.stateService.url to follow the state"
                + " service");
  }

  @Test
  void aBadEnvironmentValueNamesTheKeyAndTheVariable() {
    assertThat(problems(FULL, Map.of("ZCPROXY_LIMITS_IDLE_TIMEOUT", "forever")))
        .containsExactly(
            "config key 'limits.idleTimeout' (from ZCPROXY_LIMITS_IDLE_TIMEOUT): expected a"
                + " duration like 30s or 5m, got \"forever\"");
  }

  @Test
  void allProblemsAreReportedTogether() {
    var problem =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                load(
                    """
                    listen: "1080"
                    relay: turbo
                    limts: {}
                    limits: { idleTimeout: abc }
                    """,
                    Map.of("ZCPROXY_NOPE", "1")));

    assertThat(problem.problems())
        .containsExactlyInAnyOrder(
            "config key 'listen': expected host:port, got \"1080\"",
            "config key 'relay.mode': expected auto, splice or copy, got \"turbo\"",
            "config key 'limts': unknown key",
            "config key 'limits.idleTimeout': expected a duration like 30s or 5m, got \"abc\"",
            "config key 'policy.file': missing; name the policy file (or set"
                + " ZCPROXY_POLICY_FILE), or set policy.stateService.url to follow the state"
                + " service",
            "environment variable ZCPROXY_NOPE: matches no config key");
    assertThat(problem.getMessage().lines()).hasSize(6);
  }

  @Test
  void aMissingConfigFileIsNamed() {
    Path missing = directory.resolve("nope.yaml");

    assertThatThrownBy(() -> new ProxyConfigLoader(Map.of(), directory).load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config file " + missing + ": no such file");
  }

  @Test
  void anUnreadableConfigFileIsNamed() throws IOException {
    Path notAFile = Files.createDirectory(directory.resolve("dir.yaml"));

    assertThatThrownBy(() -> new ProxyConfigLoader(Map.of(), directory).load(notAFile))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config file " + notAFile + ": cannot read it");
  }

  @Test
  void malformedYamlNamesTheFileAndLine() {
    assertThat(problems("listen: 127.0.0.1:1080\nadmin: {listen: \"x\n", Map.of()))
        .singleElement()
        .asString()
        .startsWith("config file " + directory.resolve("zcproxy.yaml") + ": invalid YAML at line");
  }

  @Test
  void aTopLevelThatIsNotAMappingIsReported() {
    assertThat(problems("- listen\n", Map.of()))
        .containsExactly(
            "config file "
                + directory.resolve("zcproxy.yaml")
                + ": expected a mapping of keys at the top level, got a list");
  }

  @Test
  void duplicateKeysAreRefused() {
    assertThat(problems("listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n", Map.of()))
        .singleElement()
        .asString()
        .contains("duplicate key listen");
  }

  private ProxyConfig load(String yaml, Map<String, String> environment) throws Exception {
    return new ProxyConfigLoader(environment, directory.resolve("cwd")).load(write(yaml));
  }

  private List<String> problems(String yaml, Map<String, String> environment) {
    return catchThrowableOfType(ConfigException.class, () -> load(yaml, environment)).problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("zcproxy.yaml"), yaml);
  }

  private static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }
}
