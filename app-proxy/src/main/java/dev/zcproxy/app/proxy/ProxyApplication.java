package dev.zcproxy.app.proxy;

import dev.zcproxy.app.proxy.admin.AdminServer;
import dev.zcproxy.app.proxy.admin.ProcessMetrics;
import dev.zcproxy.app.proxy.admin.Readiness;
import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ConfigKey;
import dev.zcproxy.app.proxy.config.Durations;
import dev.zcproxy.app.proxy.config.HostPort;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfig.PolicySource;
import dev.zcproxy.app.proxy.policy.FilePolicyProvider;
import dev.zcproxy.app.proxy.policy.PolicyProvider;
import dev.zcproxy.app.proxy.policy.StateServicePolicyProvider;
import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.auth.PasswordVerifier;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.port.out.AccessLog;
import dev.zcproxy.domain.service.AuthenticateClientService;
import dev.zcproxy.domain.service.AuthorizeConnectionService;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import dev.zcproxy.outbound.accesslog.AsyncAccessLog;
import dev.zcproxy.splice.SpliceRelay;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy, wired by hand: the policy source (a file, or the state service), the domain
 * services, the Netty front end, and the admin server. {@link #start} brings them up in an order
 * that keeps {@code /readyz} honest; {@link #shutdown} takes them down in the reverse order,
 * draining tunnels first.
 */
final class ProxyApplication implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyApplication.class);

  /** How ProxyServer's message begins when QUIC's UDP socket cannot be bound. */
  private static final String UDP_BIND_FAILURE = "cannot listen on UDP";

  private final ProxyConfig config;
  private final PolicyProvider policy;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final ProxyServer server;
  private final AdminServer admin;
  private final TlsReloader tls; // null: TLS is off
  private final AsyncAccessLog accessLog; // null: no access log
  private final AtomicBoolean stopped = new AtomicBoolean();
  private InetSocketAddress proxyAddress;
  private InetSocketAddress adminAddress;

  private ProxyApplication(
      ProxyConfig config,
      PolicyProvider policy,
      PrometheusMeterRegistry registry,
      Readiness readiness,
      ProxyServer server,
      AdminServer admin,
      TlsReloader tls,
      AsyncAccessLog accessLog) {
    this.accessLog = accessLog;
    this.config = config;
    this.policy = policy;
    this.registry = registry;
    this.readiness = readiness;
    this.server = server;
    this.admin = admin;
    this.tls = tls;
  }

  /**
   * Reads the TLS identity and the keytab, loads the policy, then starts the admin server, the
   * proxy listener and the policy watch.
   *
   * @throws ConfigException when a TLS file, the keytab or the policy file named by the config is
   *     bad, or the front end refuses a setting
   * @throws StartupException when a port cannot be bound or the policy directory watched, or the
   *     open-file limit is below {@code limits.minOpenFiles}
   */
  static ProxyApplication start(ProxyConfig config, Clock clock)
      throws ConfigException, StartupException {
    // First, before anything opens a descriptor: the limit may not be enough for what is asked.
    OpenFileCapacity descriptors = OpenFileCapacity.raise();
    HeapReturn.apply();
    HeapReturn.trimAfterCollections();
    String tooFewDescriptors = descriptors.shortfall(config);
    if (tooFewDescriptors != null) {
      throw new StartupException(tooFewDescriptors, null);
    }
    ServiceIdentities identities = ServiceIdentities.read(config);
    PolicyProvider policy =
        switch (config.policy()) {
          case PolicySource.File file -> FilePolicyProvider.load(file.file(), clock);
          case PolicySource.StateService service -> new StateServicePolicyProvider(service, clock);
        };
    var readiness = new Readiness();
    readiness.policyLoadedWhen(policy::hasPolicy);
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ProcessMetrics.bind(registry);
    readiness.bindMetrics(registry);
    policy.bindMetrics(registry);
    ActivePolicy active = policy.activePolicy();
    var authenticate =
        new AuthenticateClientService(
            active,
            new PasswordVerifier(new Pbkdf2PasswordHasher()),
            new AuthFailureThrottle(clock),
            config.kerberosMapping());
    var authorize = new AuthorizeConnectionService(active);
    identities.tls().filter(TlsIdentity::selfSigned).ifPresent(ProxyApplication::warnSelfSigned);
    identities
        .kerberos()
        .ifPresent(
            acceptor ->
                LOG.info(
                    "Kerberos on: SOCKS5 GSS-API and HTTP Negotiate for {} (keytab {}); principals"
                        + " of realm {} are the policy users of the same name; SOCKS5"
                        + " per-message protection up to {}",
                    String.join(", ", acceptor.servicePrincipals()),
                    acceptor.keytab(),
                    config.kerberosMapping().realm().orElseThrow(),
                    acceptor.socksProtection().name().toLowerCase(Locale.ROOT)));
    ProxyServerSettings settings = identities.serverSettings(config);
    AsyncAccessLog accessLog;
    try {
      accessLog = openAccessLog(config, registry);
    } catch (StartupException unwritable) {
      registry.close();
      policy.close();
      throw unwritable;
    }
    ProxyServer server;
    try {
      server =
          new ProxyServer(
              settings,
              authenticate,
              authorize,
              registry,
              config.relay() == RelayMode.COPY
                  ? Optional.empty()
                  : Optional.of(spliceRelay(config, registry)),
              true,
              accessLog == null ? AccessLog.DISABLED : accessLog);
    } catch (IllegalArgumentException refused) {
      if (accessLog != null) {
        accessLog.close();
      }
      registry.close();
      policy.close();
      throw relayRefused(config, refused);
    }
    AdminServer admin =
        config
            .admin()
            .map(a -> new AdminServer(a.listen(), registry, readiness, policy::status))
            .orElse(null);
    TlsReloader tls =
        config
            .tls()
            .map(t -> new TlsReloader(t, identities.tls().orElseThrow(), server, registry))
            .orElse(null);
    var application =
        new ProxyApplication(config, policy, registry, readiness, server, admin, tls, accessLog);
    try {
      application.bind();
    } catch (ConfigException | StartupException | RuntimeException failed) {
      application.closeQuietly();
      throw failed;
    }
    logCapacity(descriptors);
    return application;
  }

  /**
   * The access log, opened now so that a path that cannot be written stops the start; null when
   * {@code accessLog.enabled} is off.
   */
  private static AsyncAccessLog openAccessLog(ProxyConfig config, MeterRegistry registry)
      throws StartupException {
    ProxyConfig.AccessLogConfig settings = config.accessLog();
    if (!settings.enabled()) {
      return null;
    }
    if (settings.file().isEmpty()) {
      LOG.info("access log on standard output, format {}", settings.format().configName());
      return AsyncAccessLog.toStdout(settings.format(), AsyncAccessLog.DEFAULT_CAPACITY, registry);
    }
    Path file = settings.file().orElseThrow();
    try {
      AsyncAccessLog log =
          AsyncAccessLog.toFile(file, settings.format(), AsyncAccessLog.DEFAULT_CAPACITY, registry);
      LOG.info("access log in {}, format {}", file, settings.format().configName());
      return log;
    } catch (IOException | RuntimeException unwritable) {
      throw new StartupException(
          config.problem(
              ConfigKey.ACCESS_LOG_PATH, "cannot open " + file + " for writing: " + unwritable),
          unwritable);
    }
  }

  private void bind() throws ConfigException, StartupException {
    if (admin != null) {
      InetSocketAddress wanted = config.admin().orElseThrow().listen();
      try {
        adminAddress = admin.start();
      } catch (IOException bindFailed) {
        throw new StartupException(
            "cannot serve the admin endpoint on " + HostPort.format(wanted) + ": " + bindFailed,
            bindFailed);
      }
    }
    // Before the listener opens, so the first clients meet the best policy there is (the cached
    // one, or a fresh snapshot), not the deny-all a state-service proxy starts from.
    try {
      policy.start(server.connectionRegistry());
    } catch (IOException watchFailed) {
      throw new StartupException(
          "cannot follow the policy (" + policy.describe() + "): " + watchFailed, watchFailed);
    }
    try {
      proxyAddress = server.start();
    } catch (IllegalArgumentException refused) {
      throw relayRefused(config, refused);
    } catch (IllegalStateException bindFailed) {
      throw listenRefused(config, bindFailed);
    }
    readiness.listenerBound();
    LOG.info(
        "zcproxy listening on {} ({}), admin on {}, relay {}, policy revision {} from {}",
        HostPort.format(proxyAddress),
        config.quic().enabled()
            ? "tcp, TLS or plain; udp, QUIC"
            : config.tls().isPresent() ? "tcp, TLS or plain" : "tcp",
        adminAddress == null ? "(disabled)" : HostPort.format(adminAddress),
        config.relay().name().toLowerCase(Locale.ROOT),
        policy.revision(),
        policy.describe());
  }

  /**
   * The front end's message already reads "cannot listen on <address>: <reason>" for TCP, and
   * "cannot listen on UDP <address> for QUIC: <reason>" for QUIC: only {@code quic.enabled} asks
   * for that socket, so the operator is told the key, and can turn it off.
   */
  static StartupException listenRefused(ProxyConfig config, IllegalStateException bindFailed) {
    // Keyed off the text ProxyServer writes, which has no exception type of its own for this.
    String message = String.valueOf(bindFailed.getMessage());
    if (config.quic().enabled() && message.startsWith(UDP_BIND_FAILURE)) {
      message = config.problem(ConfigKey.QUIC_ENABLED, message);
    }
    return new StartupException(message, bindFailed);
  }

  /**
   * The splice relay with the configured pipes; without {@code relay.maxPipes}, a quarter of the
   * descriptor limit (read after startup raised it), as HAProxy sizes its {@code maxpipes}.
   */
  private static SpliceRelay spliceRelay(ProxyConfig config, PrometheusMeterRegistry registry) {
    int maxPipes =
        config.pipes().maxPipes().orElse(SpliceRelay.defaultMaxPipes(SpliceRelay.openFileLimit()));
    LOG.info(
        "splice pipes: at most {} of {} bytes, taken only while bytes are in flight{}",
        maxPipes,
        config.pipes().pipeSize(),
        config.pipes().maxPipes().isPresent()
            ? ""
            : " (relay.maxPipes unset: a quarter of the descriptor limit)");
    return new SpliceRelay(registry, config.pipes().pipeSize(), maxPipes);
  }

  /**
   * The front end refuses a relay it cannot provide ({@code splice} where splice(2) does not work):
   * that is the operator's {@code relay} key. Any other refusal of settings the loader validated is
   * a bug, and propagates as one.
   */
  private static ConfigException relayRefused(ProxyConfig config, IllegalArgumentException e) {
    if (config.relay() != RelayMode.SPLICE) {
      throw e;
    }
    String key = ConfigKey.RELAY.path();
    String reason =
        e.getMessage().startsWith(key + ": ") // the front end may name the key too
            ? e.getMessage().substring(key.length() + 2)
            : e.getMessage();
    return new ConfigException("config key '" + key + "': " + reason);
  }

  /** With the listeners up, so that the descriptors they hold are counted out. */
  private static void logCapacity(OpenFileCapacity descriptors) {
    String line = descriptors.describe(OpenFileCapacity.jvm(false));
    if (descriptors.worrying()) {
      LOG.warn(line);
    } else {
      LOG.info(line);
    }
  }

  private static void warnSelfSigned(TlsIdentity identity) {
    LOG.warn(
        "{}: serving TLS with a certificate generated at startup ({}, SHA-256 {}); clients can"
            + " only connect by skipping verification (curl --proxy-insecure). For development"
            + " only: set {} and {} in production",
        ConfigKey.TLS_SELF_SIGNED.path(),
        identity.subject(),
        identity.fingerprint(),
        ConfigKey.TLS_CERTIFICATE.path(),
        ConfigKey.TLS_PRIVATE_KEY.path());
  }

  InetSocketAddress proxyAddress() {
    return proxyAddress;
  }

  Optional<InetSocketAddress> adminAddress() {
    return Optional.ofNullable(adminAddress);
  }

  PolicyProvider policy() {
    return policy;
  }

  /**
   * SIGHUP: the policy (the file read again, or the state service's snapshot fetched now), then the
   * TLS certificate and key files where TLS is on; the front end serves them to QUIC too. The
   * access log file is reopened, for logrotate.
   */
  void reload() {
    if (accessLog != null) {
      accessLog.reopen();
    }
    policy.reload();
    if (tls != null) {
      tls.reload();
    }
  }

  Readiness readiness() {
    return readiness;
  }

  /**
   * Graceful stop: {@code /readyz} turns 503, the listener closes, open tunnels get up to {@code
   * shutdown.drainTimeout} to finish, then the admin server stops. Idempotent.
   */
  void shutdown() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    Duration drain = config.shutdown().drainTimeout();
    readiness.draining();
    LOG.info(
        "shutting down: draining {} tunnels for up to {}",
        server.activeTunnels(),
        Durations.format(drain));
    server.shutdown(drain);
    if (accessLog != null) {
      accessLog.close(); // after the server: the lines of the last tunnels are written
    }
    policy.close();
    if (admin != null) {
      admin.close();
    }
    registry.close();
    LOG.info("zcproxy stopped");
  }

  @Override
  public void close() {
    shutdown();
  }

  private void closeQuietly() {
    stopped.set(true);
    readiness.draining();
    try {
      server.close();
    } finally {
      if (accessLog != null) {
        accessLog.close();
      }
      policy.close();
      if (admin != null) {
        admin.close();
      }
      registry.close();
    }
  }
}
