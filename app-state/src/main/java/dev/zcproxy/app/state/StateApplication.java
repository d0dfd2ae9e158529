package dev.zcproxy.app.state;

import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.service.AuthenticateApiKeyService;
import dev.zcproxy.domain.service.ManageAclService;
import dev.zcproxy.domain.service.ManageApiKeysService;
import dev.zcproxy.domain.service.ManageUsersService;
import dev.zcproxy.domain.service.ReadAuditLogService;
import dev.zcproxy.domain.service.ReadPolicySnapshotService;
import dev.zcproxy.domain.state.BootstrapKeyOutcome;
import dev.zcproxy.inbound.rest.RestServer;
import dev.zcproxy.inbound.rest.RestServerSettings;
import dev.zcproxy.inbound.rest.StateApi;
import dev.zcproxy.outbound.jpa.JpaPersistence;
import dev.zcproxy.outbound.jpa.PersistenceStartException;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running state service, wired by hand: the PostgreSQL store, the domain's services on it, and
 * the REST API with the operator endpoints {@code /metrics} (Prometheus) and {@code /healthz} (200
 * while the database answers, 503 otherwise).
 */
final class StateApplication implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StateApplication.class);

  /** Five wrong keys from one source within a minute and that source waits. */
  private static final int KEY_FAILURES_ALLOWED = 5;

  private static final Duration KEY_FAILURE_WINDOW = Duration.ofMinutes(1);

  private final JpaPersistence persistence;
  private final RestServer server;
  private final PrometheusMeterRegistry registry;

  private StateApplication(
      JpaPersistence persistence, RestServer server, PrometheusMeterRegistry registry) {
    this.persistence = persistence;
    this.server = server;
    this.registry = registry;
  }

  /**
   * @throws PersistenceStartException when the database cannot be reached or migrated
   * @throws IllegalStateException when the listen address cannot be bound, naming it
   */
  static StateApplication start(StateConfig config, Clock clock) throws PersistenceStartException {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JpaPersistence persistence;
    try {
      persistence = JpaPersistence.start(config.database(), registry);
    } catch (PersistenceStartException failed) {
      registry.close();
      throw failed;
    }
    try {
      var random = new SecureRandom();
      var unitOfWork = persistence.unitOfWork();
      var apiKeys =
          new ManageApiKeysService(
              unitOfWork, persistence.apiKeys(), persistence.audit(), random, clock);
      config.bootstrapKey().ifPresent(key -> reportBootstrap(apiKeys.installBootstrapKey(key)));
      var api =
          new StateApi(
              new AuthenticateApiKeyService(
                  unitOfWork,
                  persistence.apiKeys(),
                  new AuthFailureThrottle(clock, KEY_FAILURES_ALLOWED, KEY_FAILURE_WINDOW),
                  clock),
              new ManageUsersService(
                  unitOfWork,
                  persistence.users(),
                  persistence.rules(),
                  persistence.outbox(),
                  persistence.audit(),
                  new Pbkdf2PasswordHasher(),
                  clock),
              new ManageAclService(
                  unitOfWork,
                  persistence.users(),
                  persistence.rules(),
                  persistence.outbox(),
                  persistence.audit(),
                  clock),
              apiKeys,
              new ReadPolicySnapshotService(
                  unitOfWork, persistence.users(), persistence.rules(), persistence.outbox()),
              new ReadAuditLogService(unitOfWork, persistence.audit()));
      RestServer server =
          RestServer.start(
              RestServerSettings.defaults(config.listen()),
              api,
              registry,
              Map.of(
                  "/metrics", new MetricsServlet(registry),
                  "/healthz", new HealthServlet(persistence)));
      return new StateApplication(persistence, server, registry);
    } catch (RuntimeException failed) {
      persistence.close();
      registry.close();
      throw failed;
    }
  }

  private static void reportBootstrap(BootstrapKeyOutcome outcome) {
    switch (outcome) {
      case INSTALLED -> log.info("bootstrap admin key installed; earlier bootstrap keys revoked");
      case UNCHANGED -> log.info("bootstrap admin key already installed");
      case REVOKED ->
          log.warn("the bootstrap admin key was revoked by an operator and stays revoked");
      case ID_TAKEN ->
          log.warn(
              "another stored key has the bootstrap key's id; make a new one with new-api-key");
    }
  }

  InetSocketAddress address() {
    return server.address();
  }

  @Override
  public void close() {
    server.close();
    persistence.close();
    registry.close();
  }

  /** Prometheus text exposition of the service's meters. */
  private static final class MetricsServlet extends HttpServlet {
    private final transient PrometheusMeterRegistry registry;

    MetricsServlet(PrometheusMeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.setContentType("text/plain; version=0.0.4; charset=utf-8");
      response.getOutputStream().write(registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** 200 while the database answers; 503 otherwise, so an orchestrator stops sending traffic. */
  private static final class HealthServlet extends HttpServlet {
    private final transient JpaPersistence persistence;

    HealthServlet(JpaPersistence persistence) {
      this.persistence = persistence;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      boolean up = persistence.isReachable();
      response.setStatus(up ? 200 : 503);
      response.setContentType("text/plain; charset=utf-8");
      response.getOutputStream().write((up ? "ok\n" : "database unreachable\n").getBytes());
    }
  }
}
