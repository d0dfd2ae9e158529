package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.model.PasswordHash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  private static final String POLICY =
      """
      users: [{ name: alice, password: "{plain}a" }]
      rules: [{ action: allow, users: [alice], destinations: ["127.0.0.1/32"] }]
      """;

  @TempDir Path directory;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Map<String, Runnable> signalHandlers = new ConcurrentHashMap<>();

  @Test
  void helpPrintsUsage() {
    assertThat(main("").run("--help")).isZero();

    assertThat(stdout()).startsWith("Usage:").contains("--config FILE", "hash-password");
  }

  @Test
  void versionPrintsTheBuildVersion() {
    assertThat(main("").run("--version")).isZero();

    assertThat(stdout()).matches("zcproxy \\d+\\.\\d+\\.\\d+\\S*\\n");
  }

  @Test
  void aUsageErrorExitsWithTwo() {
    assertThat(main("").run("--bogus")).isEqualTo(2);

    assertThat(stderr()).startsWith("zcproxy: unknown argument '--bogus'\nUsage:");
    assertThat(main("").run()).isEqualTo(2);
  }

  @Test
  void aMissingConfigFileExitsWithTwo() {
    Path missing = directory.resolve("absent.yaml");

    assertThat(main("").run("--config", missing.toString())).isEqualTo(2);

    assertThat(stderr()).isEqualTo("config file " + missing + ": no such file\n");
  }

  @Test
  void everyConfigProblemIsPrintedOnItsOwnLineWithoutAStackTrace() throws IOException {
    Path config =
        write(
            "zcproxy.yaml",
            """
            listen: "1080"
            limits: { idleTimeout: abc }
            """);

    int status = main("").run("--config", config.toString());

    assertThat(status).isEqualTo(2);
    assertThat(stderr().lines().toList())
        .containsExactlyInAnyOrder(
            "config key 'listen': expected host:port, got \"1080\"",
            "config key 'limits.idleTimeout': expected a duration like 30s or 5m, got \"abc\"",
            "config key 'policy.file': missing; name the policy file (or set"
                + " ZCPROXY_POLICY_FILE), or set policy.stateService.url to follow the state"
                + " service");
    assertThat(stdout()).isEmpty();
  }

  @Test
  void aTlsFileThatCannotBeReadAtStartupExitsWithTwoNamingTheKeyAndTheVariable()
      throws IOException {
    Path config = write("zcproxy.yaml", "policy: { file: policy.yaml }\n");
    write("policy.yaml", POLICY);
    Path missing = directory.resolve("nope.crt");
    write("proxy.key", "not a key\n");

    int status =
        main(
                "",
                Map.of(
                    "ZCPROXY_TLS_CERTIFICATE",
                    missing.toString(),
                    "ZCPROXY_TLS_PRIVATE_KEY",
                    directory.resolve("proxy.key").toString()))
            .run("--config", config.toString());

    assertThat(status).isEqualTo(2);
    assertThat(stderr().lines().toList())
        .containsExactly(
            "config key 'tls.certificate' (from ZCPROXY_TLS_CERTIFICATE): "
                + missing
                + ": no such file",
            "config key 'tls.privateKey' (from ZCPROXY_TLS_PRIVATE_KEY): "
                + directory.resolve("proxy.key")
                + " holds no PEM private key (BEGIN PRIVATE KEY)");
  }

  @Test
  void aBadEnvironmentVariableIsAConfigError() throws IOException {
    Path config = write("zcproxy.yaml", "policy: { file: policy.yaml }\n");
    write("policy.yaml", POLICY);

    int status =
        main("", Map.of("ZCPROXY_LIMITS_MAX_CONN", "5")).run("--config", config.toString());

    assertThat(status).isEqualTo(2);
    assertThat(stderr())
        .isEqualTo("environment variable ZCPROXY_LIMITS_MAX_CONN: matches no config key\n");
  }

  @Test
  void aBadPolicyFileExitsWithTwo() throws IOException {
    Path config = write("zcproxy.yaml", "listen: 127.0.0.1:0\npolicy: { file: policy.yaml }\n");
    Path policy = write("policy.yaml", "rules: [{ action: maybe, destinations: [\"*\"] }]\n");

    assertThat(main("").run("--config", config.toString())).isEqualTo(2);

    assertThat(stderr())
        .isEqualTo(
            "policy file " + policy + ": rules[0].action: expected allow or deny, got \"maybe\"\n");
  }

  @Test
  void aPortInUseExitsWithOne() throws IOException {
    try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path config =
          write(
              "zcproxy.yaml",
              "listen: 127.0.0.1:" + taken.getLocalPort() + "\npolicy: { file: policy.yaml }\n");
      write("policy.yaml", POLICY);

      assertThat(main("").run("--config", config.toString())).isEqualTo(1);

      assertThat(stderr())
          .startsWith("zcproxy: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
          .hasLineCount(1);
    }
  }

  @Test
  void anOpenFileMinimumAboveTheHardLimitExitsWithOneNamingTheKeyAndHowToRaiseIt()
      throws IOException {
    Path config =
        write(
            "zcproxy.yaml",
            "listen: 127.0.0.1:0\npolicy: { file: policy.yaml }\n"
                + "limits: { minOpenFiles: 2000000000 }\n");
    write("policy.yaml", POLICY);

    assertThat(main("").run("--config", config.toString())).isEqualTo(1);

    assertThat(stderr())
        .startsWith(
            "zcproxy: config key 'limits.minOpenFiles': needs an open-file limit of at least"
                + " 2,000,000,000, but the hard limit of this process is ")
        .contains("LimitNOFILE=", "--ulimit nofile=")
        .hasLineCount(1);
  }

  @Test
  void quicWithoutTlsExitsWithTwoNamingTheKey() throws IOException {
    Path config = write("zcproxy.yaml", "policy: { file: policy.yaml }\nquic: { enabled: true }\n");
    write("policy.yaml", POLICY);

    assertThat(main("").run("--config", config.toString())).isEqualTo(2);

    assertThat(stderr())
        .isEqualTo(
            "config key 'quic.enabled': QUIC needs TLS, whose certificate it serves: set"
                + " tls.certificate and tls.privateKey, or tls.selfSigned\n");
  }

  @Test
  void aUdpPortInUseForQuicExitsWithOneNamingTheKey() throws IOException {
    try (var taken = udpPortWithAFreeTcpTwin()) {
      Path config =
          write(
              "zcproxy.yaml",
              "listen: 127.0.0.1:"
                  + taken.getLocalPort()
                  + "\npolicy: { file: policy.yaml }\ntls: { selfSigned: true }\n"
                  + "quic: { enabled: true }\n");
      write("policy.yaml", POLICY);

      assertThat(main("").run("--config", config.toString())).isEqualTo(1);

      assertThat(stderr())
          .startsWith(
              "zcproxy: config key 'quic.enabled': cannot listen on UDP 127.0.0.1:"
                  + taken.getLocalPort()
                  + " for QUIC: ")
          .hasLineCount(1);
    }
  }

  /**
   * A bound UDP socket whose port number is free on TCP right now: on a busy machine an ephemeral
   * UDP port's TCP twin may be some other process's connection.
   */
  private static DatagramSocket udpPortWithAFreeTcpTwin() throws IOException {
    for (int attempt = 0; ; attempt++) {
      var udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      try (var tcp = new ServerSocket()) {
        tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort()));
        return udp;
      } catch (BindException tcpTaken) {
        udp.close();
        if (attempt == 20) {
          throw tcpTaken;
        }
      }
    }
  }

  @Test
  void servesUntilSigtermAndReloadsOnSighup() throws Exception {
    Path config =
        write(
            "zcproxy.yaml",
            """
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            relay: copy
            policy: { file: policy.yaml }
            shutdown: { drainTimeout: 1s }
            """);
    write("policy.yaml", POLICY);
    Main main = main("");

    try (LogCapture log = LogCapture.of(ProxyApplication.class);
        LogCapture reloads = LogCapture.of(dev.zcproxy.app.proxy.policy.PolicyFileWatcher.class)) {
      CompletableFuture<Integer> status =
          CompletableFuture.supplyAsync(() -> main.run("--config", config.toString()));
      // Starting the proxy, its admin server and its policy watcher in a JVM shared with the
      // other tests, on a busy machine: give it the time a real start may take.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> signalHandlers.keySet().containsAll(List.of("TERM", "INT", "HUP")));
      assertThat(log.messages(Level.INFO).getFirst())
          .matches(
              "zcproxy listening on 127\\.0\\.0\\.1:\\d+ \\(tcp\\), admin on 127\\.0\\.0\\.1:\\d+,"
                  + " relay copy, policy revision 1 from file "
                  + java.util.regex.Pattern.quote(directory.resolve("policy.yaml").toString()));

      signalHandlers.get("HUP").run();
      assertThat(reloads.messages(Level.INFO))
          .containsExactly("policy reloaded: revision 2, 1 users, 1 rules");

      signalHandlers.get("TERM").run();
      assertThat(status.get(30, TimeUnit.SECONDS)).isZero();
      assertThat(log.messages(Level.INFO)).last().isEqualTo("zcproxy stopped");
    }
  }

  @Test
  void hashPasswordHashesTheFirstLineOfStdin() {
    int status = main("correct horse battery staple\nignored\n").run("hash-password");

    assertThat(status).isZero();
    String hash = stdout().strip();
    assertThat(hash).startsWith("$pbkdf2-sha256$i=600000$");
    assertThat(
            new Pbkdf2PasswordHasher()
                .verify(new PasswordHash(hash), "correct horse battery staple"))
        .isTrue();
    assertThat(stderr()).isEmpty();
  }

  @Test
  void hashPasswordRefusesAnEmptyPassword() {
    assertThat(main("\n").run("hash-password")).isEqualTo(2);
    assertThat(stderr()).isEqualTo("hash-password: the password is empty\n");
  }

  @Test
  void hashPasswordRefusesAnEmptyStdin() {
    assertThat(main("").run("hash-password")).isEqualTo(2);
    assertThat(stderr()).isEqualTo("hash-password: no password on stdin\n");
  }

  private Main main(String stdin) {
    return main(stdin, Map.of());
  }

  private Main main(String stdin, Map<String, String> environment) {
    return new Main(
        environment,
        directory,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        null,
        (signal, action) -> signalHandlers.put(signal, action) == null,
        Clock.systemUTC());
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(directory.resolve(name), content);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
