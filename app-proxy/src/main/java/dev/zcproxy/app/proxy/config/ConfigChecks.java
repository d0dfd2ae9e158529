package dev.zcproxy.app.proxy.config;

import static dev.zcproxy.app.proxy.config.ProxyConfigLoader.DEFAULT_DRAIN_TIMEOUT;
import static dev.zcproxy.app.proxy.config.ProxyConfigLoader.DEFAULT_LISTEN;
import static dev.zcproxy.app.proxy.config.ProxyConfigLoader.DEFAULT_RESYNC_INTERVAL;
import static dev.zcproxy.app.proxy.config.ProxyConfigLoader.DEFAULT_STATE_CONNECT_TIMEOUT;
import static dev.zcproxy.app.proxy.config.ProxyConfigLoader.DEFAULT_STATE_REQUEST_TIMEOUT;

import dev.zcproxy.app.proxy.config.ConfigValues.Binding;
import dev.zcproxy.app.proxy.config.ProxyConfig.Admin;
import dev.zcproxy.app.proxy.config.ProxyConfig.Kerberos;
import dev.zcproxy.app.proxy.config.ProxyConfig.Limits;
import dev.zcproxy.app.proxy.config.ProxyConfig.PolicySource;
import dev.zcproxy.app.proxy.config.ProxyConfig.Shutdown;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.auth.kerberos.GssapiProtection;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosAcceptor;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import dev.zcproxy.outbound.accesslog.AccessLogFormat;
import dev.zcproxy.outbound.stateclient.StateServiceSettings;
import dev.zcproxy.splice.SpliceRelay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns the bound {@link ConfigDocument} into a {@link ProxyConfig}: defaults, the rules that span
 * keys (exactly one policy source, TLS files in pairs, Kerberos needs a keytab and a realm, QUIC
 * needs TLS), and the report of each value that failed to bind, in the order the keys are checked.
 * A check that fails adds a problem and carries on with the default, so that one run reports them
 * all.
 */
final class ConfigChecks {

  private static final List<ConfigKey> STATE_SERVICE_KEYS =
      List.of(
          ConfigKey.POLICY_STATE_SERVICE_URL,
          ConfigKey.POLICY_STATE_SERVICE_API_KEY,
          ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE,
          ConfigKey.POLICY_STATE_SERVICE_CONNECT_TIMEOUT,
          ConfigKey.POLICY_STATE_SERVICE_REQUEST_TIMEOUT,
          ConfigKey.POLICY_BROKER_URL,
          ConfigKey.POLICY_CACHE_FILE,
          ConfigKey.POLICY_RESYNC_INTERVAL);

  private final ConfigDocument document;
  private final Binding binding;
  private final List<String> problems;

  ConfigChecks(ConfigDocument document, Binding binding, List<String> problems) {
    this.document = document;
    this.binding = binding;
    this.problems = problems;
  }

  /** The config, or null when a problem was added (to the ones already there). */
  ProxyConfig config() {
    ProxyServerSettings defaults = ProxyServerSettings.defaults(DEFAULT_LISTEN);
    InetSocketAddress listen = value(ConfigKey.LISTEN, document.listen(), defaults.listen());
    InetSocketAddress adminListen = value(ConfigKey.ADMIN_LISTEN, document.admin().listen(), null);
    RelayMode relay = value(ConfigKey.RELAY, document.relay().mode(), defaults.relay());
    var pipes =
        new ProxyConfig.Pipes(
            Optional.ofNullable(
                value(ConfigKey.RELAY_MAX_PIPES, document.relay().maxPipes(), null)),
            value(
                ConfigKey.RELAY_PIPE_SIZE,
                document.relay().pipeSize(),
                SpliceRelay.DEFAULT_PIPE_SIZE));
    PolicySource policy = policySource();
    ConfigDocument.Limits limits = document.limits();
    Duration idleTimeout =
        value(ConfigKey.LIMITS_IDLE_TIMEOUT, limits.idleTimeout(), defaults.timeouts().idle());
    var checked =
        new Limits(
            value(
                ConfigKey.LIMITS_HANDSHAKE_TIMEOUT,
                limits.handshakeTimeout(),
                defaults.timeouts().handshake()),
            idleTimeout,
            value(
                ConfigKey.LIMITS_CONNECT_TIMEOUT,
                limits.connectTimeout(),
                defaults.timeouts().connect()),
            value(
                ConfigKey.LIMITS_BIND_ACCEPT_TIMEOUT,
                limits.bindAcceptTimeout(),
                defaults.timeouts().bindAccept()),
            value(
                ConfigKey.LIMITS_MAX_HANDSHAKE_BYTES,
                limits.maxHandshakeBytes(),
                defaults.limits().maxHandshakeBytes()),
            value(
                ConfigKey.LIMITS_MAX_CONNECTIONS,
                limits.maxConnections(),
                defaults.limits().maxConnections()),
            value(
                ConfigKey.LIMITS_MAX_CONNECTIONS_PER_SOURCE,
                limits.maxConnectionsPerSource(),
                defaults.limits().maxConnectionsPerSource()),
            value(
                ConfigKey.LIMITS_MAX_CONNECTIONS_PER_USER,
                limits.maxConnectionsPerUser(),
                defaults.limits().maxConnectionsPerUser()),
            value(ConfigKey.LIMITS_STREAM_IDLE_TIMEOUT, limits.streamIdleTimeout(), idleTimeout),
            value(
                ConfigKey.LIMITS_MAX_HEADER_BYTES,
                limits.maxHeaderBytes(),
                defaults.limits().maxHeaderBytes()),
            value(ConfigKey.LIMITS_MIN_OPEN_FILES, limits.minOpenFiles(), 0));
    Duration drain =
        value(
            ConfigKey.SHUTDOWN_DRAIN_TIMEOUT,
            document.shutdown().drainTimeout(),
            DEFAULT_DRAIN_TIMEOUT);
    ProxyConfig.Tls tls = tls();
    Kerberos kerberos = kerberos();
    ProxyServerSettings.Quic quic = quic(defaults.quic(), tls);
    ProxyConfig.AccessLogConfig accessLog = accessLog();
    if (!problems.isEmpty()) {
      return null;
    }
    return new ProxyConfig(
        listen,
        Optional.ofNullable(adminListen).map(Admin::new),
        relay,
        pipes,
        Objects.requireNonNull(policy),
        checked,
        new Shutdown(drain),
        Optional.ofNullable(tls),
        Optional.ofNullable(kerberos),
        quic,
        accessLog,
        binding.fromEnvironment);
  }

  /**
   * Exactly one of {@code policy.file} and {@code policy.stateService}; the keys that only the
   * state service uses are refused beside a file. Null after a problem.
   */
  private PolicySource policySource() {
    boolean fileSet = isSet(ConfigKey.POLICY_FILE);
    boolean stateServiceSet = STATE_SERVICE_KEYS.stream().anyMatch(this::isSet);
    if (fileSet && stateServiceSet) {
      for (ConfigKey key : STATE_SERVICE_KEYS) {
        if (isSet(key)) {
          problem(
              key,
              "not together with policy.file: the policy comes either from a file or from the"
                  + " state service");
        }
      }
      return null;
    }
    if (!fileSet && !stateServiceSet) {
      problems.add(
          "config key 'policy.file': missing; name the policy file (or set "
              + ConfigKey.POLICY_FILE.envName()
              + "), or set policy.stateService.url to follow the state service");
      return null;
    }
    if (fileSet) {
      Path file = value(ConfigKey.POLICY_FILE, document.policy().file(), null);
      return file == null ? null : new PolicySource.File(file);
    }
    return stateService();
  }

  private PolicySource stateService() {
    ConfigDocument.Policy policy = document.policy();
    ConfigDocument.StateService service = policy.stateService();
    URI url = value(ConfigKey.POLICY_STATE_SERVICE_URL, service.url(), null);
    if (url == null && !isSet(ConfigKey.POLICY_STATE_SERVICE_URL)) {
      missing(ConfigKey.POLICY_STATE_SERVICE_URL, "the state service's base URL");
    }
    String apiKey = apiKey(service);
    Duration connectTimeout =
        value(
            ConfigKey.POLICY_STATE_SERVICE_CONNECT_TIMEOUT,
            service.connectTimeout(),
            DEFAULT_STATE_CONNECT_TIMEOUT);
    Duration requestTimeout =
        value(
            ConfigKey.POLICY_STATE_SERVICE_REQUEST_TIMEOUT,
            service.requestTimeout(),
            DEFAULT_STATE_REQUEST_TIMEOUT);
    URI broker = value(ConfigKey.POLICY_BROKER_URL, policy.broker().url(), null);
    Path cacheFile = value(ConfigKey.POLICY_CACHE_FILE, policy.cacheFile(), null);
    if (cacheFile == null && !isSet(ConfigKey.POLICY_CACHE_FILE)) {
      missing(
          ConfigKey.POLICY_CACHE_FILE,
          "the file where the proxy keeps its last good policy, to serve after a restart");
    }
    Duration resync =
        value(ConfigKey.POLICY_RESYNC_INTERVAL, policy.resyncInterval(), DEFAULT_RESYNC_INTERVAL);
    if (url == null || apiKey == null || cacheFile == null) {
      return null;
    }
    StateServiceSettings settings =
        attempt(
            ConfigKey.POLICY_STATE_SERVICE_URL,
            () -> new StateServiceSettings(url, apiKey, connectTimeout, requestTimeout));
    return settings == null
        ? null
        : new PolicySource.StateService(settings, Optional.ofNullable(broker), cacheFile, resync);
  }

  /** {@code apiKey} or {@code apiKeyFile}, exactly one; the key is never part of a message. */
  private String apiKey(ConfigDocument.StateService service) {
    boolean inline = isSet(ConfigKey.POLICY_STATE_SERVICE_API_KEY);
    boolean file = isSet(ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE);
    if (inline && file) {
      problem(
          ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE,
          "not together with policy.stateService.apiKey; give the key one way");
      return null;
    }
    if (!inline && !file) {
      missing(
          ConfigKey.POLICY_STATE_SERVICE_API_KEY,
          "a proxy-scope API key of the state service (or set policy.stateService.apiKeyFile)");
      return null;
    }
    if (inline) {
      return value(ConfigKey.POLICY_STATE_SERVICE_API_KEY, service.apiKey(), null);
    }
    Path keyFile = value(ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE, service.apiKeyFile(), null);
    if (keyFile == null) {
      return null;
    }
    return attempt(
        ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE, () -> ConfigValues.apiKey(read(keyFile)));
  }

  /** The API key file's text: a mounted Secret, read here like the key given inline. */
  private static String read(Path keyFile) {
    try {
      return Files.readString(keyFile);
    } catch (NoSuchFileException absent) {
      throw new IllegalArgumentException("no such file: " + keyFile, absent);
    } catch (IOException | UncheckedIOException unreadable) {
      throw new IllegalArgumentException(
          "cannot read " + keyFile + " (" + unreadable.getClass().getSimpleName() + ")",
          unreadable);
    }
  }

  /**
   * Where the TLS identity comes from, or null when TLS is off: both files, or {@code selfSigned}.
   * The files are read, and the provider probed, at startup ({@code ServiceIdentities}).
   */
  private ProxyConfig.Tls tls() {
    ConfigDocument.Tls tls = document.tls();
    TlsProvider provider = value(ConfigKey.TLS_PROVIDER, tls.provider(), TlsProvider.AUTO);
    Path certificate = value(ConfigKey.TLS_CERTIFICATE, tls.certificate(), null);
    Path privateKey = value(ConfigKey.TLS_PRIVATE_KEY, tls.privateKey(), null);
    boolean selfSigned = value(ConfigKey.TLS_SELF_SIGNED, tls.selfSigned(), false);
    boolean certificateSet = isSet(ConfigKey.TLS_CERTIFICATE);
    boolean privateKeySet = isSet(ConfigKey.TLS_PRIVATE_KEY);
    if (selfSigned) {
      if (certificateSet || privateKeySet) {
        problem(
            ConfigKey.TLS_SELF_SIGNED,
            "must not be true together with tls.certificate and tls.privateKey; use either"
                + " your own certificate or a generated one");
        return null;
      }
      return new ProxyConfig.Tls(provider, Optional.empty());
    }
    if (certificateSet != privateKeySet) {
      ConfigKey missing = certificateSet ? ConfigKey.TLS_PRIVATE_KEY : ConfigKey.TLS_CERTIFICATE;
      missing(missing, certificateSet ? ConfigKey.TLS_CERTIFICATE : ConfigKey.TLS_PRIVATE_KEY);
      return null;
    }
    if (certificate == null || privateKey == null) {
      if (isSet(ConfigKey.TLS_PROVIDER) && problems.isEmpty()) {
        problem(
            ConfigKey.TLS_PROVIDER,
            "TLS is off: set tls.certificate and tls.privateKey, or tls.selfSigned");
      }
      return null; // TLS off, or a bad path already reported
    }
    return new ProxyConfig.Tls(
        provider, Optional.of(new ProxyConfig.TlsFiles(certificate, privateKey)));
  }

  /**
   * The Kerberos settings, or null when Kerberos is off. The keytab is read at startup ({@code
   * ServiceIdentities}).
   */
  private Kerberos kerberos() {
    ConfigDocument.Kerberos kerberos = document.kerberos();
    Path keytab = value(ConfigKey.KERBEROS_KEYTAB, kerberos.keytab(), null);
    String principal =
        value(ConfigKey.KERBEROS_PRINCIPAL, kerberos.principal(), KerberosAcceptor.ANY_PRINCIPAL);
    KerberosPrincipalMapping mapping = value(ConfigKey.KERBEROS_REALM, kerberos.realm(), null);
    GssapiProtection protection =
        value(
            ConfigKey.KERBEROS_SOCKS5_PROTECTION,
            kerberos.socks5Protection(),
            GssapiProtection.NONE);
    boolean keytabSet = isSet(ConfigKey.KERBEROS_KEYTAB);
    for (ConfigKey dependent :
        List.of(
            ConfigKey.KERBEROS_PRINCIPAL,
            ConfigKey.KERBEROS_REALM,
            ConfigKey.KERBEROS_SOCKS5_PROTECTION)) {
      if (!keytabSet && isSet(dependent)) {
        missing(ConfigKey.KERBEROS_KEYTAB, dependent);
      }
    }
    if (!keytabSet) {
      return null;
    }
    if (!isSet(ConfigKey.KERBEROS_REALM)) {
      missing(ConfigKey.KERBEROS_REALM, ConfigKey.KERBEROS_KEYTAB);
    }
    if (keytab == null || mapping == null) {
      return null; // a problem is already reported
    }
    return new Kerberos(keytab, principal, mapping, protection);
  }

  /**
   * The QUIC settings, off unless {@code quic.enabled}; their keys are taken without it, so that
   * one variable ({@code ZCPROXY_QUIC_ENABLED=false}) turns QUIC off without editing the file.
   * Enabled, QUIC serves the TLS certificate, so it needs {@code tls} (checked just before).
   */
  private ProxyServerSettings.Quic quic(ProxyServerSettings.Quic defaults, ProxyConfig.Tls tls) {
    ConfigDocument.Quic quic = document.quic();
    boolean enabled = value(ConfigKey.QUIC_ENABLED, quic.enabled(), defaults.enabled());
    var checked =
        new ProxyServerSettings.Quic(
            enabled,
            value(ConfigKey.QUIC_MAX_CONNECTIONS, quic.maxConnections(), defaults.maxConnections()),
            value(
                ConfigKey.QUIC_MAX_CONNECTIONS_PER_SOURCE,
                quic.maxConnectionsPerSource(),
                defaults.maxConnectionsPerSource()),
            value(ConfigKey.QUIC_IDLE_TIMEOUT, quic.idleTimeout(), defaults.idleTimeout()),
            value(
                ConfigKey.QUIC_MAX_STREAMS_PER_CONNECTION,
                quic.maxStreamsPerConnection(),
                defaults.maxStreamsPerConnection()));
    if (enabled && tls == null && !tlsAsked()) {
      problem(
          ConfigKey.QUIC_ENABLED,
          "QUIC needs TLS, whose certificate it serves: set tls.certificate and tls.privateKey,"
              + " or tls.selfSigned");
    }
    return checked;
  }

  /**
   * The access log, off unless {@code accessLog.enabled}; its keys are taken without it, like
   * QUIC's. The file is opened at startup, where a path that cannot be written is refused.
   */
  private ProxyConfig.AccessLogConfig accessLog() {
    ConfigDocument.AccessLog accessLog = document.accessLog();
    boolean enabled = value(ConfigKey.ACCESS_LOG_ENABLED, accessLog.enabled(), false);
    Path path = value(ConfigKey.ACCESS_LOG_PATH, accessLog.path(), ConfigValues.LogPath.STDOUT);
    AccessLogFormat format =
        value(ConfigKey.ACCESS_LOG_FORMAT, accessLog.format(), AccessLogFormat.JSON);
    return new ProxyConfig.AccessLogConfig(
        enabled,
        path.equals(ConfigValues.LogPath.STDOUT) ? Optional.empty() : Optional.of(path),
        format);
  }

  /**
   * Whether the {@code tls} keys ask for TLS, even where a bad value of theirs (already reported)
   * left it off.
   */
  private boolean tlsAsked() {
    return isSet(ConfigKey.TLS_CERTIFICATE)
        || isSet(ConfigKey.TLS_PRIVATE_KEY)
        || (isSet(ConfigKey.TLS_SELF_SIGNED) && !Boolean.FALSE.equals(document.tls().selfSigned()));
  }

  /** Whether the file or the environment gives the key a value, good or bad. */
  private boolean isSet(ConfigKey key) {
    return binding.present.contains(key);
  }

  /**
   * The bound value, or {@code fallback} when the key is unset, or when its value is bad: then its
   * problem is reported here, so that problems come in the order the keys are checked.
   */
  private <T> T value(ConfigKey key, T bound, T fallback) {
    String failure = binding.failures.get(key);
    if (failure != null) {
      problem(key, failure);
      return fallback;
    }
    return bound == null ? fallback : bound;
  }

  /** The supplier's value, or null after reporting its refusal under {@code key}. */
  private <T> T attempt(ConfigKey key, Supplier<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException refused) {
      problem(key, refused.getMessage());
      return null;
    }
  }

  /** A problem with a key that is set, naming the variable it came from, if any. */
  private void problem(ConfigKey key, String message) {
    problems.add(key.problem(binding.fromEnvironment.contains(key), message));
  }

  private void missing(ConfigKey key, String what) {
    problems.add(
        "config key '" + key.path() + "': missing; " + what + " (or set " + key.envName() + ")");
  }

  private void missing(ConfigKey missing, ConfigKey present) {
    missing(missing, present.path() + " needs it");
  }
}
