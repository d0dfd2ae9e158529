package dev.zcproxy.it.support;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debian's real Prometheus server on 127.0.0.1 (a free port, storage in the test's directory),
 * started on a config file the test wrote, and queried through its HTTP API. Closing it sends
 * SIGTERM and waits for the exit.
 */
public final class PrometheusServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PrometheusServer.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final ProcessOutput output;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder()
          .proxy(HttpClient.Builder.NO_PROXY)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private PrometheusServer(Process process, ProcessOutput output, int port) {
    this.process = process;
    this.output = output;
    this.port = port;
  }

  /** The {@code prometheus} binary, or a loud failure saying how to install it. */
  public static Path binary(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        name
            + " is not installed: the monitoring tests need Debian's prometheus package"
            + " (RUNLEVEL=1 apt-get install prometheus; .ci/run does it)");
  }

  /**
   * Starts Prometheus on {@code configFile} with its TSDB under {@code dataDir}, and waits until it
   * is ready. Alerts are re-sent every second, so a firing one shows at once.
   */
  public static PrometheusServer start(Path configFile, Path dataDir) {
    int port = FreePorts.tcp();
    List<String> command =
        List.of(
            binary("prometheus").toString(),
            "--config.file=" + configFile,
            "--storage.tsdb.path=" + dataDir,
            "--web.listen-address=127.0.0.1:" + port,
            "--rules.alert.resend-delay=1s",
            "--log.level=info");
    Path logFile =
        Path.of(System.getProperty("zcproxy.logDir", "target/proxy-logs"))
            .resolve("prometheus-" + port + ".log");
    ProcessOutput output = new ProcessOutput(logFile);
    Process process;
    try {
      process = new ProcessBuilder(command).directory(configFile.getParent().toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    output.drain(process);
    log.info("started prometheus {} on 127.0.0.1:{}; log: {}", process.pid(), port, logFile);
    PrometheusServer server = new PrometheusServer(process, output, port);
    try {
      await("prometheus /-/ready")
          .atMost(STARTUP_TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new IllegalStateException(
                      "prometheus exited with status "
                          + process.exitValue()
                          + ":\n"
                          + output.all());
                }
                return server.status("/-/ready") == 200;
              });
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public String log() {
    return output.all();
  }

  /** An instant query; the whole answer ({@code status}, {@code data} or {@code error}). */
  public JsonNode query(String promql) {
    return getJson("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /** GET an API path and parse its JSON, whatever the status (errors are JSON too). */
  public JsonNode getJson(String pathAndQuery) {
    try {
      return JSON.readTree(get(pathAndQuery).body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON from prometheus " + pathAndQuery, e);
    }
  }

  private int status(String path) {
    try {
      return get(path).statusCode();
    } catch (UncheckedIOException notYet) {
      return -1;
    }
  }

  private HttpResponse<String> get(String pathAndQuery) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery + " on prometheus failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + pathAndQuery, e);
    }
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.toHandle().destroy();
        if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
        }
      }
      output.awaitEndOfStreams(EXIT_TIMEOUT);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      http.close();
    }
  }
}
