package dev.zcproxy.app.state;

import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.service.AuthenticateApiKeyService;
import dev.zcproxy.domain.service.ManageAclService;
import dev.zcproxy.domain.service.ManageApiKeysService;
import dev.zcproxy.domain.service.ManageUsersService;
import dev.zcproxy.domain.service.PolicySigningKeyService;
import dev.zcproxy.domain.service.PublishPolicyChangesService;
import dev.zcproxy.domain.service.ReadAuditLogService;
import dev.zcproxy.domain.service.ReadPolicySnapshotService;
import dev.zcproxy.domain.state.BootstrapKeyOutcome;
import dev.zcproxy.inbound.rest.RestServer;
import dev.zcproxy.inbound.rest.RestServerSettings;
import dev.zcproxy.inbound.rest.StateApi;
import dev.zcproxy.outbound.amqp.RabbitMqPolicyChangePublisher;
import dev.zcproxy.outbound.jms.ArtemisPolicyChangePublisher;
import dev.zcproxy.outbound.jms.EmbeddedArtemisBroker;
import dev.zcproxy.outbound.jpa.JpaPersistence;
import dev.zcproxy.outbound.jpa.PersistenceStartException;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running state service, wired by hand: the PostgreSQL store, the domain's services on it, the
 * REST API with the operator endpoints {@code /metrics} (Prometheus) and {@code /healthz} (200
 * while the database answers, 503 otherwise), and the outbox relay that publishes every committed
 * policy change, signed, to the broker (the embedded Artemis unless an external one is set).
 */
final class StateApplication implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StateApplication.class);

  /** Five wrong keys from one source within a minute and that source waits. */
  private static final int KEY_FAILURES_ALLOWED = 5;

  private static final Duration KEY_FAILURE_WINDOW = Duration.ofMinutes(1);

  /** Entries per publish: bounds one broker round of confirms and one mark-published update. */
  private static final int RELAY_BATCH = 100;

  private static final Duration RELAY_POLL = Duration.ofSeconds(1);
  private static final Duration RELAY_MAX_BACKOFF = Duration.ofSeconds(30);

  private final JpaPersistence persistence;
  private final RestServer server;
  private final PrometheusMeterRegistry registry;
  private final Messaging messaging;

  private StateApplication(
      JpaPersistence persistence,
      RestServer server,
      PrometheusMeterRegistry registry,
      Messaging messaging) {
    this.persistence = persistence;
    this.server = server;
    this.registry = registry;
    this.messaging = messaging;
  }

  /** The broker side: the embedded broker (when there is one), the publisher and the relay. */
  private record Messaging(
      Optional<EmbeddedArtemisBroker> embedded, PolicyChangePublisher publisher, OutboxRelay relay)
      implements AutoCloseable {

    static Messaging start(
        BrokerSettings settings,
        PolicySigningKeyService signingKey,
        JpaPersistence persistence,
        PrometheusMeterRegistry registry,
        Clock clock) {
      Optional<EmbeddedArtemisBroker> embedded = Optional.empty();
      URI url;
      switch (settings) {
        case BrokerSettings.Embedded(URI listen, Path dataDirectory) -> {
          embedded = Optional.of(EmbeddedArtemisBroker.start(listen, dataDirectory));
          url = listen;
        }
        case BrokerSettings.External(URI external) -> url = external;
      }
      try {
        var signer = new PolicyMessageSigner(signingKey.signingKey());
        PolicyChangePublisher publisher =
            "tcp".equals(url.getScheme())
                ? ArtemisPolicyChangePublisher.connect(url, signer)
                : RabbitMqPolicyChangePublisher.connect(url, signer);
        var relay =
            new OutboxRelay(
                new PublishPolicyChangesService(
                    persistence.unitOfWork(), persistence.outbox(), publisher, clock, RELAY_BATCH),
                registry,
                RELAY_POLL,
                RELAY_MAX_BACKOFF);
        relay.start();
        return new Messaging(embedded, publisher, relay);
      } catch (RuntimeException failed) {
        embedded.ifPresent(EmbeddedArtemisBroker::close);
        throw failed;
      }
    }

    @Override
    public void close() {
      relay.close();
      publisher.close();
      embedded.ifPresent(EmbeddedArtemisBroker::close);
    }
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
    Messaging messaging = null;
    try {
      var signingKey = PolicySigningKeyService.load(persistence.signingKeys());
      log.info(
          "policy changes are signed with Ed25519 key {}", signingKey.verificationKey().keyId());
      messaging = Messaging.start(config.broker(), signingKey, persistence, registry, clock);
      var random = new SecureRandom();
      var unitOfWork =
          new CommitSignallingUnitOfWork(persistence.unitOfWork(), messaging.relay()::wake);
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
              new ReadAuditLogService(unitOfWork, persistence.audit()),
              signingKey);
      RestServer server =
          RestServer.start(
              RestServerSettings.defaults(config.listen()),
              api,
              registry,
              Map.of(
                  "/metrics", new MetricsServlet(registry),
                  "/healthz", new HealthServlet(persistence)));
      return new StateApplication(persistence, server, registry, messaging);
    } catch (RuntimeException failed) {
      if (messaging != null) {
        messaging.close();
      }
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
    messaging.close();
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
