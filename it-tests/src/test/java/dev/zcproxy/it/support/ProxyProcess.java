package dev.zcproxy.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy as an operator runs it: the shaded jar in its own JVM, with a config file and a policy
 * file written into a temporary directory. Started through {@link #builder(Path)}; closing it sends
 * SIGTERM, waits for the exit and checks the log.
 *
 * <p>The JVM runs with paranoid leak detection, so every leaked buffer shows up as a {@code LEAK:}
 * line. Tests call {@link #assertCleanLog()} themselves at their end, and {@link #close()} checks
 * once more after shutdown.
 */
public final class ProxyProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProxyProcess.class);

  public static final String READY_LINE = "zcproxy listening on";
  public static final String RELOADED_LINE = "policy reloaded";

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

  /** Tests close their tunnels before the proxy; a stuck one must not hold shutdown for long. */
  private static final String DRAIN_TIMEOUT = "5s";

  private final Process process;
  private final ProcessOutput output;
  private final Path logFile;
  private final Path policyFile;
  private final Path stagingDir;
  private final int port;
  private final int adminPort;
  private final HttpClient http;
  private boolean closed;

  private ProxyProcess(Launch launch) {
    this.process = launch.process;
    this.output = launch.output;
    this.logFile = launch.logFile;
    this.policyFile = launch.policyFile;
    this.stagingDir = launch.stagingDir;
    this.port = launch.port;
    this.adminPort = launch.adminPort;
    this.http =
        HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  public static Builder builder(Path workDir) {
    return new Builder(workDir);
  }

  /** The proxy port, where SOCKS and HTTP share one listener. */
  public int port() {
    return port;
  }

  public int adminPort() {
    return adminPort;
  }

  public long pid() {
    return process.pid();
  }

  /** Everything the proxy printed so far, stdout and stderr interleaved by arrival. */
  public String log() {
    return output.all();
  }

  public long countLogLines(String fragment) {
    return output.lines().stream().filter(line -> line.contains(fragment)).count();
  }

  public void awaitLogLines(String fragment, long atLeast) {
    await("a log line containing '" + fragment + "' (" + atLeast + " in all)")
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> countLogLines(fragment) >= atLeast);
  }

  /**
   * Replaces the policy file the way an editor or a config-map update does: the new content is
   * written elsewhere and renamed over the old file, so the proxy never sees a half-written file.
   */
  public void rewritePolicy(String yaml) {
    try {
      Path staged = Files.writeString(stagingDir.resolve(policyFile.getFileName()), yaml);
      Files.move(
          staged, policyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + policyFile, e);
    }
  }

  /** Rewrites the policy and waits until the proxy says it reloaded it. */
  public void reloadPolicy(String yaml) {
    long before = countLogLines(RELOADED_LINE);
    rewritePolicy(yaml);
    awaitLogLines(RELOADED_LINE, before + 1);
  }

  /** Sends a signal by name ({@code "HUP"}) with kill(1), as an operator would. */
  public void signal(String name) {
    int status = runTool(List.of("kill", "-" + name, Long.toString(pid())));
    assertThat(status).as("kill -%s %d", name, pid()).isZero();
  }

  public HttpResponse<String> admin(String path) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " on the admin port failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + path, e);
    }
  }

  private static final java.util.regex.Pattern SAMPLE =
      java.util.regex.Pattern.compile("^(\\w+)(?:\\{([^}]*)})? (\\S+)$");

  /**
   * The sum of the samples of metric {@code name} on {@code /metrics} whose labels contain every
   * one of {@code labels} (each a fragment such as {@code result="ok"}).
   */
  public double metricSum(String name, String... labels) {
    double total = 0;
    for (String line : admin("/metrics").body().lines().toList()) {
      java.util.regex.Matcher sample = SAMPLE.matcher(line);
      if (sample.matches() && sample.group(1).equals(name)) {
        String found = sample.group(2) == null ? "" : sample.group(2);
        if (java.util.Arrays.stream(labels).allMatch(found::contains)) {
          total += Double.parseDouble(sample.group(3));
        }
      }
    }
    return total;
  }

  /** How many file descriptors the proxy holds: sockets, pipes, epoll and jar files. */
  public long openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the proxy's file descriptors", e);
    }
  }

  /** No leaked buffer, no stack trace, no exception logged as an error. */
  public void assertCleanLog() {
    List<String> alarming = output.lines().stream().filter(ProxyProcess::isAlarming).toList();
    assertThat(alarming)
        .as("leak reports or stack traces in the proxy log (full log: %s)", logFile)
        .isEmpty();
  }

  private static boolean isAlarming(String line) {
    return line.contains("LEAK:")
        || line.startsWith("\tat ")
        || line.startsWith("Caused by: ")
        || (line.contains("ERROR") && line.contains("Exception"));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      http.close();
    }
    assertCleanLog();
  }

  private void stop() {
    try {
      if (process.isAlive()) {
        sweepLeakDetector();
        // SIGTERM through the handle: Process.destroy() would also close the pipes, and lose
        // whatever the proxy prints while it shuts down (a late leak report, say).
        process.toHandle().destroy();
        if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
          throw new AssertionError(
              "the proxy did not exit within " + EXIT_TIMEOUT + " of SIGTERM; log: " + logFile);
        }
      }
      output.awaitEndOfStreams(EXIT_TIMEOUT);
      log.info("proxy {} exited with status {}; log: {}", pid(), process.exitValue(), logFile);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the proxy", e);
    }
  }

  /**
   * Netty reports a leaked buffer only after the garbage collector found it and a later allocation
   * polls the leak detector. So before shutdown: collect garbage, then make the proxy allocate a
   * few buffers by opening short SOCKS5 greetings.
   */
  private void sweepLeakDetector() {
    String jcmd =
        Path.of(Builder.requiredProperty("zcproxy.java")).resolveSibling("jcmd").toString();
    int status = runTool(List.of(jcmd, Long.toString(pid()), "GC.run"));
    assertThat(status).as("jcmd %d GC.run", pid()).isZero();
    for (int i = 0; i < 3; i++) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {0x05, 0x01, 0x00});
        out.flush();
        InputStream in = socket.getInputStream();
        in.readNBytes(2);
      } catch (IOException e) {
        throw new UncheckedIOException("the proxy stopped answering before shutdown", e);
      }
    }
  }

  private static int runTool(List<String> command) {
    try {
      Process tool =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!tool.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        tool.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + TOOL_TIMEOUT);
      }
      return tool.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  /** A proxy that stopped on its own, e.g. refusing a bad config. */
  public record Exited(int status, String output, String stderr) {}

  private record Launch(
      Process process,
      ProcessOutput output,
      Path logFile,
      Path policyFile,
      Path stagingDir,
      int port,
      int adminPort) {}

  /**
   * The {@code relay} mode proxies start with unless a test sets one: the build runs the whole
   * suite once per relay ({@code -Dzcproxy.relay=copy} and {@code splice}); {@code auto} otherwise.
   */
  public static String relayUnderTest() {
    return System.getProperty("zcproxy.relay", "auto");
  }

  /** Writes the config and policy files, then starts the jar. */
  public static final class Builder {
    private final Path workDir;
    private String name = "proxy";
    private String policy = "anonymous: false\nrules: []\n";
    private String relay = relayUnderTest();
    private final Map<String, String> limits = new LinkedHashMap<>();
    private final List<String> extraConfigLines = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private boolean quic;
    private String policySection = "policy: { file: policy.yaml }";
    private int fileDescriptorLimit;

    private Builder(Path workDir) {
      this.workDir = workDir;
    }

    /** Names the log file under {@code target/proxy-logs}. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder policy(String yaml) {
      this.policy = yaml;
      return this;
    }

    public Builder relay(String mode) {
      this.relay = mode;
      return this;
    }

    /** One key of the {@code limits} section, e.g. {@code limit("handshakeTimeout", "1s")}. */
    public Builder limit(String key, String value) {
      limits.put(key, value);
      return this;
    }

    /** A raw top-level line appended to the config, for the config-error tests. */
    public Builder extraConfigLine(String line) {
      extraConfigLines.add(line);
      return this;
    }

    /**
     * The config's whole {@code policy:} section, replacing {@code policy: { file: policy.yaml }}:
     * for a proxy that follows the state service. Relative paths in it are relative to the config's
     * directory, {@code <workDir>/conf}, which a second proxy on the same work directory shares.
     */
    public Builder policySection(String yaml) {
      this.policySection = yaml;
      return this;
    }

    /**
     * QUIC on: {@code quic: { enabled: true }}, and a listen port whose number is free on UDP as
     * well, since the proxy serves QUIC on the UDP port of that number. QUIC needs TLS, which the
     * test configures itself ({@code tls: { selfSigned: true }} through {@link #extraConfigLine}).
     */
    public Builder quic() {
      this.quic = true;
      return this;
    }

    /**
     * Starts the proxy under {@code prlimit --nofile=N:N}, soft and hard limit both: for tests of
     * what the proxy does when it runs out of file descriptors. The JVM is exec'ed by prlimit, so
     * {@link #pid()} is still the proxy's.
     */
    public Builder fileDescriptorLimit(int limit) {
      if (limit < 64) {
        throw new IllegalArgumentException("a JVM needs more than " + limit + " fds to start");
      }
      this.fileDescriptorLimit = limit;
      return this;
    }

    public Builder environment(String key, String value) {
      environment.put(key, value);
      return this;
    }

    /**
     * Starts the proxy and waits until {@code /readyz} answers 200. A port found free can be taken
     * by another socket before the proxy binds it (an ephemeral port of some test's client): a
     * proxy that exits on that is started again on new ports, twice at most.
     */
    public ProxyProcess start() {
      for (int attempt = 1; ; attempt++) {
        Launch launch = launch();
        try {
          awaitReady(launch);
          return new ProxyProcess(launch);
        } catch (RuntimeException | Error e) {
          launch.process.destroyForcibly();
          if (attempt < 3 && launch.output.all().contains("Address already in use")) {
            log.info("proxy lost its port to another socket before binding it; starting again");
            continue;
          }
          throw e;
        }
      }
    }

    /**
     * Starts the proxy and waits only for its listening line, not for {@code /readyz}: for a proxy
     * that is meant to run without a policy (and so is not ready).
     */
    public ProxyProcess startUnready() {
      Launch launch = launch();
      try {
        await("the proxy's '" + READY_LINE + "' line")
            .atMost(STARTUP_TIMEOUT)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  if (!launch.process.isAlive()) {
                    throw new IllegalStateException(
                        "the proxy exited with status " + launch.process.exitValue());
                  }
                  return launch.output.all().contains(READY_LINE);
                });
        return new ProxyProcess(launch);
      } catch (RuntimeException | Error e) {
        launch.process.destroyForcibly();
        throw e;
      }
    }

    /** Starts the proxy and expects it to exit by itself, as it must on a bad config. */
    public Exited startExpectingExit() {
      Launch launch = launch();
      try {
        if (!launch.process.waitFor(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          launch.process.destroyForcibly().waitFor();
          throw new AssertionError(
              "the proxy was expected to exit, but it is still running; log: " + launch.logFile);
        }
        launch.output.awaitEndOfStreams(EXIT_TIMEOUT);
        return new Exited(launch.process.exitValue(), launch.output.all(), launch.output.stderr());
      } catch (InterruptedException e) {
        launch.process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the proxy", e);
      }
    }

    private Launch launch() {
      int port = quic ? FreePorts.tcpAndUdp() : FreePorts.tcp();
      int adminPort = FreePorts.tcp();
      try {
        Path confDir = Files.createDirectories(workDir.resolve("conf"));
        Path stagingDir = Files.createDirectories(workDir.resolve("staging"));
        Path configFile =
            Files.writeString(confDir.resolve("zcproxy.yaml"), config(port, adminPort));
        Path policyFile = Files.writeString(confDir.resolve("policy.yaml"), policy);
        Path logFile =
            Path.of(System.getProperty("zcproxy.logDir", "target/proxy-logs"))
                .resolve(name + "-" + port + ".log");

        ProcessBuilder builder =
            new ProcessBuilder(command(configFile)).directory(confDir.toFile());
        // The proxy reads ZCPROXY_* overrides: only the ones this test sets may reach it.
        builder.environment().keySet().removeIf(key -> key.startsWith("ZCPROXY_"));
        builder.environment().putAll(environment);
        ProcessOutput output = new ProcessOutput(logFile);
        Process process = builder.start();
        output.drain(process);
        log.info(
            "started proxy {} on port {} (admin {}); log: {}",
            process.pid(),
            port,
            adminPort,
            logFile);
        return new Launch(process, output, logFile, policyFile, stagingDir, port, adminPort);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the proxy", e);
      }
    }

    private List<String> command(Path configFile) {
      Path jar = Path.of(requiredProperty("zcproxy.proxyJar"));
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            jar + " does not exist: build it first with ./mvnw -pl app-proxy -am package");
      }
      List<String> command = new ArrayList<>();
      if (fileDescriptorLimit > 0) {
        command.addAll(
            List.of(
                "prlimit", "--nofile=" + fileDescriptorLimit + ":" + fileDescriptorLimit, "--"));
      }
      command.addAll(
          List.of(
              requiredProperty("zcproxy.java"),
              "-Xmx512m",
              "--enable-native-access=ALL-UNNAMED",
              "--sun-misc-unsafe-memory-access=allow",
              "-Dio.netty.leakDetection.level=paranoid",
              "-Dio.netty.leakDetection.targetRecords=32",
              "-jar",
              jar.toString(),
              "--config",
              configFile.toString()));
      return command;
    }

    private String config(int port, int adminPort) {
      StringBuilder yaml = new StringBuilder();
      yaml.append("listen: 127.0.0.1:").append(port).append('\n');
      yaml.append("admin: { listen: 127.0.0.1:").append(adminPort).append(" }\n");
      yaml.append("relay: ").append(relay).append('\n');
      yaml.append(policySection).append('\n');
      if (!limits.isEmpty()) {
        List<String> entries = new ArrayList<>();
        limits.forEach((key, value) -> entries.add(key + ": " + value));
        yaml.append("limits: { ").append(String.join(", ", entries)).append(" }\n");
      }
      yaml.append("shutdown: { drainTimeout: ").append(DRAIN_TIMEOUT).append(" }\n");
      if (quic) {
        yaml.append("quic: { enabled: true }\n");
      }
      extraConfigLines.forEach(line -> yaml.append(line).append('\n'));
      return yaml.toString();
    }

    private static void awaitReady(Launch launch) {
      try (HttpClient http =
          HttpClient.newBuilder()
              .proxy(HttpClient.Builder.NO_PROXY)
              .connectTimeout(Duration.ofSeconds(2))
              .build()) {
        HttpRequest readyz =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + launch.adminPort + "/readyz"))
                .timeout(Duration.ofSeconds(2))
                .build();
        await("the proxy's /readyz and its '" + READY_LINE + "' line")
            .atMost(STARTUP_TIMEOUT)
            .pollDelay(Duration.ofMillis(100))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  if (!launch.process.isAlive()) {
                    launch.output.awaitEndOfStreams(EXIT_TIMEOUT);
                    throw new IllegalStateException(
                        "the proxy exited with status "
                            + launch.process.exitValue()
                            + " before it was ready:\n"
                            + launch.output.all());
                  }
                  return isReady(http, readyz) && launch.output.all().contains(READY_LINE);
                });
      }
    }

    private static boolean isReady(HttpClient http, HttpRequest readyz)
        throws InterruptedException {
      try {
        return http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException e) {
        return false; // not listening yet, or slow while the JVM warms up
      }
    }

    static String requiredProperty(String key) {
      String value = System.getProperty(key);
      if (value == null || value.isBlank()) {
        throw new IllegalStateException(
            "system property "
                + key
                + " is not set: run the tests through failsafe (./mvnw verify)");
      }
      return value;
    }
  }
}
