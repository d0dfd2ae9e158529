package dev.zcproxy.app.proxy.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP endpoint, on its own port (JDK {@code HttpServer}, two threads):
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code ok} while the process runs (liveness);
 *   <li>{@code GET /readyz}: 200 when the proxy takes clients, else 503 (see {@link Readiness});
 *   <li>{@code GET /metrics}: the Prometheus text exposition;
 *   <li>{@code GET /policy}: the policy in force as JSON, {@code {revision, digest, source, origin,
 *       ageSeconds}} (see {@link PolicyStatus}).
 * </ul>
 *
 * Any other path is 404, any other method 405.
 */
public final class AdminServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

  static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";

  private final InetSocketAddress listen;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final Supplier<PolicyStatus> policy;
  private HttpServer server;
  private ExecutorService executor;

  public AdminServer(
      InetSocketAddress listen, PrometheusMeterRegistry registry, Readiness readiness) {
    this(listen, registry, readiness, null);
  }

  /**
   * @param policy what {@code GET /policy} reports; null: {@code /policy} is 404
   */
  public AdminServer(
      InetSocketAddress listen,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      Supplier<PolicyStatus> policy) {
    this.listen = Objects.requireNonNull(listen, "listen");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
    this.policy = policy;
  }

  /**
   * @return the bound address (the real port when {@code listen} asked for port 0)
   */
  public synchronized InetSocketAddress start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("admin server already started");
    }
    HttpServer created = HttpServer.create(listen, 16);
    var threads = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            2,
            task ->
                Thread.ofPlatform()
                    .name("admin-http-" + threads.incrementAndGet())
                    .daemon()
                    .unstarted(task));
    created.setExecutor(executor);
    created.createContext("/", this::handle);
    created.start();
    server = created;
    return server.getAddress();
  }

  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    server.stop(0);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException interrupted) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      Endpoint endpoint = Endpoint.of(path);
      if (endpoint == null || (endpoint == Endpoint.POLICY && policy == null)) {
        respond(exchange, 404, TEXT, "not found\n");
      } else if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        respond(exchange, 405, TEXT, "method not allowed\n");
      } else {
        switch (endpoint) {
          case HEALTHZ -> respond(exchange, 200, TEXT, "ok\n");
          case READYZ ->
              respond(exchange, readiness.isReady() ? 200 : 503, TEXT, readiness.describe() + "\n");
          case METRICS -> respond(exchange, 200, PROMETHEUS_CONTENT_TYPE, registry.scrape());
          case POLICY -> respond(exchange, 200, JSON, policy.get().toJson());
        }
      }
    } catch (IOException | RuntimeException failed) {
      // A client that hangs up mid-response is not worth more than a debug line.
      LOG.debug("admin request failed", failed);
    }
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private enum Endpoint {
    HEALTHZ,
    READYZ,
    METRICS,
    POLICY;

    static Endpoint of(String path) {
      return switch (path) {
        case "/healthz" -> HEALTHZ;
        case "/readyz" -> READYZ;
        case "/metrics" -> METRICS;
        case "/policy" -> POLICY;
        default -> null;
      };
    }
  }
}
