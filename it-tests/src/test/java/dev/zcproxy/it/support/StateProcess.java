package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state service as an operator runs it: the shaded jar in its own JVM, configured by {@code
 * ZCPROXY_STATE_*} variables only. {@link #start} waits for {@code /healthz}; closing sends SIGTERM
 * and waits for a clean exit.
 */
public final class StateProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StateProcess.class);

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final ProcessOutput output;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder()
          .proxy(HttpClient.Builder.NO_PROXY)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private boolean closed;

  private StateProcess(Process process, ProcessOutput output, int port) {
    this.process = process;
    this.output = output;
    this.port = port;
  }

  /** Starts the service with {@code environment} (plus a free listen port) and waits for it. */
  public static StateProcess start(String name, Map<String, String> environment) {
    int port = FreePorts.tcp();
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.put("ZCPROXY_STATE_LISTEN", "127.0.0.1:" + port);
    // The embedded broker's default port and directory would collide between services (and runs).
    if (!env.containsKey("ZCPROXY_STATE_BROKER_URL")) {
      env.putIfAbsent("ZCPROXY_STATE_EMBEDDED_BROKER", "tcp://127.0.0.1:" + FreePorts.tcp());
      env.putIfAbsent(
          "ZCPROXY_STATE_BROKER_DATA_DIR",
          Path.of("target", "state-broker-" + port).toAbsolutePath().toString());
    }
    ProcessOutput output = new ProcessOutput(logFile(name, port));
    Process process = launch(env, output, List.of());
    StateProcess state = new StateProcess(process, output, port);
    try {
      Awaitility.await()
          .atMost(STARTUP_TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !process.isAlive() || state.healthStatus() == 200);
      if (!process.isAlive()) {
        throw new AssertionError("the state service exited at startup:\n" + output.all());
      }
      return state;
    } catch (RuntimeException | Error e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** Runs the jar with {@code args} and expects it to exit by itself. */
  public static ProxyProcess.Exited runExpectingExit(
      String name, Map<String, String> environment, String... args) {
    ProcessOutput output = new ProcessOutput(logFile(name, 0));
    Process process = launch(environment, output, List.of(args));
    try {
      if (!process.waitFor(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("the state service was expected to exit:\n" + output.all());
      }
      output.awaitEndOfStreams(EXIT_TIMEOUT);
      return new ProxyProcess.Exited(process.exitValue(), output.all(), output.stderr());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static Path logFile(String name, int port) {
    return Path.of(System.getProperty("zcproxy.logDir", "target/proxy-logs"))
        .resolve("state-" + name + "-" + port + ".log");
  }

  private static Process launch(
      Map<String, String> environment, ProcessOutput output, List<String> args) {
    Path jar =
        Path.of(System.getProperty("zcproxy.stateJar", "../app-state/target/zcproxy-state.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " does not exist: build it first with ./mvnw -pl app-state -am package");
    }
    List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx256m", "-jar", jar.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(key -> key.startsWith("ZCPROXY_"));
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      output.drain(process);
      log.info("started state service {}: {}", process.pid(), args);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the state service", e);
    }
  }

  private static String javaBin() {
    return System.getProperty(
        "zcproxy.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  public int port() {
    return port;
  }

  int healthStatus() {
    try {
      return send(HttpRequest.newBuilder(uri("/healthz")).GET(), null).statusCode();
    } catch (UncheckedIOException notYet) {
      return -1;
    }
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** GET {@code path}, with {@code apiKey} as a Bearer token unless null. */
  public HttpResponse<String> get(String path, String apiKey) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), apiKey);
  }

  /** POST a JSON body to {@code path}. */
  public HttpResponse<String> postJson(String path, String apiKey, String json) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)),
        apiKey);
  }

  /** PUT a JSON body to {@code path} with {@code If-Match: *}: replace whatever is there. */
  public HttpResponse<String> putJson(String path, String apiKey, String json) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header("If-Match", "*")
            .PUT(HttpRequest.BodyPublishers.ofString(json)),
        apiKey);
  }

  /** POST a JSON body to {@code path} with {@code If-Match: *} (a move, say). */
  public HttpResponse<String> postJsonIfMatchAny(String path, String apiKey, String json) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header("If-Match", "*")
            .POST(HttpRequest.BodyPublishers.ofString(json)),
        apiKey);
  }

  /** DELETE {@code path} with {@code If-Match: *}. */
  public HttpResponse<String> delete(String path, String apiKey) {
    return send(HttpRequest.newBuilder(uri(path)).header("If-Match", "*").DELETE(), apiKey);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String apiKey) {
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Everything the service printed so far. */
  public String log() {
    return output.all();
  }

  /** SIGTERM, then the exit status (the service stops cleanly with 0). */
  public int stop() {
    if (closed) {
      return process.exitValue();
    }
    closed = true;
    try {
      process.toHandle().destroy();
      if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("the state service did not stop on SIGTERM:\n" + output.all());
      }
      output.awaitEndOfStreams(EXIT_TIMEOUT);
      return process.exitValue();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * SIGKILL, as a crash or the OOM killer would: no shutdown hook runs, so whatever was committed
   * but not yet published stays in the outbox.
   */
  public void kill() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      process.destroyForcibly();
      if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the state service did not die on SIGKILL");
      }
      output.awaitEndOfStreams(EXIT_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
