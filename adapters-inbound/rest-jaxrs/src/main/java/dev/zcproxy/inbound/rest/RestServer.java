package dev.zcproxy.inbound.rest;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServlet;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * The state service's HTTP server: Jetty 12 with the Jersey application mounted by hand at {@code
 * /api/*} (Jersey has no Jetty 12 container), plus whatever plain servlets the app adds for its
 * operators ({@code /metrics}, {@code /healthz}). Anything else is a 404 problem.
 */
public final class RestServer implements AutoCloseable {

  private final Server server;
  private final ServerConnector connector;

  private RestServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Builds and starts the server.
   *
   * @param operatorServlets exact paths ({@code "/metrics"}) to servlets served without an API key
   * @throws IllegalStateException when the address cannot be bound ("cannot listen on ...")
   */
  public static RestServer start(
      RestServerSettings settings,
      StateApi api,
      MeterRegistry registry,
      Map<String, HttpServlet> operatorServlets) {
    Objects.requireNonNull(api, "api");
    QueuedThreadPool threads = new QueuedThreadPool(settings.maxThreads(), 4);
    threads.setName("state-http");
    Server server = new Server(threads);
    server.setStopTimeout(5_000);

    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(8 * 1024);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(settings.listen().getHostString());
    connector.setPort(settings.listen().getPort());
    connector.setIdleTimeout(30_000);
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    var application = new StateApiApplication(api, settings.maxBodyBytes(), registry);
    context.addServlet(new ServletHolder("jersey", new ServletContainer(application)), "/api/*");
    operatorServlets.forEach(
        (path, servlet) -> context.addServlet(new ServletHolder(servlet), path));
    context.addServlet(new ServletHolder("not-found", new NotFoundServlet()), "/");
    server.setHandler(context);

    try {
      server.start();
    } catch (Exception failed) {
      stopQuietly(server);
      throw new IllegalStateException(
          "cannot listen on "
              + settings.listen().getHostString()
              + ":"
              + settings.listen().getPort()
              + ": "
              + failed.getMessage(),
          failed);
    }
    return new RestServer(server, connector);
  }

  /** The bound address (the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
  }

  /** Stops taking requests and lets running ones finish (up to 5 s). */
  @Override
  public void close() {
    stopQuietly(server);
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception ignored) {
      // stopping is best effort; the process is on its way out
    }
  }
}
