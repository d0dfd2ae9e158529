package dev.zcproxy.app.proxy.config;

import dev.zcproxy.app.proxy.config.ProxyConfig.Admin;
import dev.zcproxy.app.proxy.config.ProxyConfig.Kerberos;
import dev.zcproxy.app.proxy.config.ProxyConfig.Limits;
import dev.zcproxy.app.proxy.config.ProxyConfig.PolicySource;
import dev.zcproxy.app.proxy.config.ProxyConfig.Shutdown;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.GssapiProtection;
import dev.zcproxy.inbound.netty.KerberosAcceptor;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.TlsProvider;
import dev.zcproxy.outbound.stateclient.StateServiceSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads the proxy's YAML config file, applies {@code ZCPROXY_*} environment overrides, and
 * validates everything at once: a {@link ConfigException} lists every problem, each naming its key.
 *
 * <table>
 *   <caption>Config keys</caption>
 *   <tr><th>Key</th><th>Value</th><th>Default</th><th>Environment variable</th></tr>
 *   <tr><td>{@code listen}</td><td>host:port, IPv6 as {@code "[::1]:1080"} (quoted in YAML)</td>
 *       <td>{@code 127.0.0.1:1080}</td><td>{@code ZCPROXY_LISTEN}</td></tr>
 *   <tr><td>{@code admin.listen}</td><td>host:port of {@code /healthz}, {@code /readyz},
 *       {@code /metrics}; omitted or null disables the admin server</td><td>disabled</td>
 *       <td>{@code ZCPROXY_ADMIN_LISTEN}</td></tr>
 *   <tr><td>{@code relay}</td><td>{@code auto}, {@code splice} or {@code copy}</td>
 *       <td>{@code auto}</td><td>{@code ZCPROXY_RELAY}</td></tr>
 *   <tr><td>{@code policy.file}</td><td>the policy file; relative to the config file's directory
 *       (relative to the working directory when set by the environment); exactly one of it and
 *       {@code policy.stateService}</td><td>unset</td>
 *       <td>{@code ZCPROXY_POLICY_FILE}</td></tr>
 *   <tr><td>{@code policy.stateService.url}</td><td>the state service's base URL, instead of
 *       {@code policy.file}</td><td>unset</td><td>{@code ZCPROXY_POLICY_STATE_SERVICE_URL}</td></tr>
 *   <tr><td>{@code policy.stateService.apiKey}</td><td>a {@code proxy}-scope API key (or
 *       {@code apiKeyFile}: a file holding it, relative like {@code policy.file})</td>
 *       <td>required with the URL</td><td>{@code ZCPROXY_POLICY_STATE_SERVICE_API_KEY},
 *       {@code ZCPROXY_POLICY_STATE_SERVICE_API_KEY_FILE}</td></tr>
 *   <tr><td>{@code policy.stateService.connectTimeout}, {@code .requestTimeout}</td>
 *       <td>durations &gt; 0</td><td>{@code 5s}, {@code 10s}</td>
 *       <td>{@code ZCPROXY_POLICY_STATE_SERVICE_CONNECT_TIMEOUT}, {@code ..._REQUEST_TIMEOUT}</td></tr>
 *   <tr><td>{@code policy.broker.url}</td><td>the broker that publishes policy changes; unset:
 *       the snapshot is polled every {@code policy.resyncInterval}</td><td>unset</td>
 *       <td>{@code ZCPROXY_POLICY_BROKER_URL}</td></tr>
 *   <tr><td>{@code policy.cacheFile}</td><td>where the last good snapshot is kept (mode 0600);
 *       relative like {@code policy.file}</td><td>required with the URL</td>
 *       <td>{@code ZCPROXY_POLICY_CACHE_FILE}</td></tr>
 *   <tr><td>{@code policy.resyncInterval}</td><td>duration &gt; 0: how often the snapshot is
 *       checked</td><td>{@code 30s}</td><td>{@code ZCPROXY_POLICY_RESYNC_INTERVAL}</td></tr>
 *   <tr><td>{@code limits.handshakeTimeout}</td><td>duration &gt; 0: accept until tunnel up</td>
 *       <td>{@code 10s}</td><td>{@code ZCPROXY_LIMITS_HANDSHAKE_TIMEOUT}</td></tr>
 *   <tr><td>{@code limits.idleTimeout}</td><td>duration &gt; 0: a silent tunnel is closed</td>
 *       <td>{@code 5m}</td><td>{@code ZCPROXY_LIMITS_IDLE_TIMEOUT}</td></tr>
 *   <tr><td>{@code limits.streamIdleTimeout}</td><td>duration &gt; 0: a silent HTTP/2 stream is
 *       closed, its connection stays</td><td>{@code limits.idleTimeout}</td>
 *       <td>{@code ZCPROXY_LIMITS_STREAM_IDLE_TIMEOUT}</td></tr>
 *   <tr><td>{@code limits.connectTimeout}</td><td>duration &gt; 0: upstream TCP connect</td>
 *       <td>{@code 10s}</td><td>{@code ZCPROXY_LIMITS_CONNECT_TIMEOUT}</td></tr>
 *   <tr><td>{@code limits.bindAcceptTimeout}</td><td>duration &gt; 0: SOCKS BIND waits this long
 *       for its inbound connection</td><td>{@code 60s}</td>
 *       <td>{@code ZCPROXY_LIMITS_BIND_ACCEPT_TIMEOUT}</td></tr>
 *   <tr><td>{@code limits.maxHandshakeBytes}</td><td>64-1048576: bytes a SOCKS client (or one
 *       not yet recognised) may send before its tunnel is up; HTTP has its own limits</td>
 *       <td>{@code 4096}</td>
 *       <td>{@code ZCPROXY_LIMITS_MAX_HANDSHAKE_BYTES}</td></tr>
 *   <tr><td>{@code limits.maxHeaderBytes}</td><td>4096-262144: the largest HTTP/1.1 request
 *       header block (431 past it) and HTTP/2 header list (SETTINGS_MAX_HEADER_LIST_SIZE); raise
 *       it to {@code 65536} for Kerberos {@code Negotiate} tokens from Active Directory</td>
 *       <td>{@code 16384}</td><td>{@code ZCPROXY_LIMITS_MAX_HEADER_BYTES}</td></tr>
 *   <tr><td>{@code limits.maxConnections}</td><td>&gt;= 0, 0 = unlimited: the whole proxy</td>
 *       <td>{@code 0}</td><td>{@code ZCPROXY_LIMITS_MAX_CONNECTIONS}</td></tr>
 *   <tr><td>{@code limits.maxConnectionsPerSource}</td><td>&gt;= 0, 0 = unlimited: per client
 *       IP address</td><td>{@code 0}</td><td>{@code ZCPROXY_LIMITS_MAX_CONNECTIONS_PER_SOURCE}</td>
 *       </tr>
 *   <tr><td>{@code limits.maxConnectionsPerUser}</td><td>&gt;= 0, 0 = unlimited: per
 *       authenticated user</td><td>{@code 0}</td>
 *       <td>{@code ZCPROXY_LIMITS_MAX_CONNECTIONS_PER_USER}</td></tr>
 *   <tr><td>{@code tls.certificate}</td><td>PEM certificate chain, leaf first, for HTTPS-to-proxy;
 *       relative like {@code policy.file}; needs {@code tls.privateKey}</td><td>unset: TLS off</td>
 *       <td>{@code ZCPROXY_TLS_CERTIFICATE}</td></tr>
 *   <tr><td>{@code tls.privateKey}</td><td>its unencrypted PKCS#8 PEM private key (RSA, EC or
 *       Ed25519); needs {@code tls.certificate}</td><td>unset</td>
 *       <td>{@code ZCPROXY_TLS_PRIVATE_KEY}</td></tr>
 *   <tr><td>{@code tls.selfSigned}</td><td>{@code true}: a certificate for the listen host is
 *       generated at startup, for development; not together with the two above</td>
 *       <td>{@code false}</td><td>{@code ZCPROXY_TLS_SELF_SIGNED}</td></tr>
 *   <tr><td>{@code tls.provider}</td><td>{@code auto} (OpenSSL where netty-tcnative's BoringSSL
 *       loads, else the JDK), {@code openssl} (refuse to start without it) or {@code jdk}</td>
 *       <td>{@code auto}</td><td>{@code ZCPROXY_TLS_PROVIDER}</td></tr>
 *   <tr><td>{@code kerberos.keytab}</td><td>the keytab with the proxy's service keys; relative
 *       like {@code policy.file}; enables SOCKS5 GSS-API and HTTP Negotiate; needs {@code
 *       kerberos.realm}</td><td>unset: Kerberos off</td><td>{@code ZCPROXY_KERBEROS_KEYTAB}</td>
 *       </tr>
 *   <tr><td>{@code kerberos.principal}</td><td>the service principal to accept tickets for, with
 *       its realm, or {@code *} for every principal in the keytab</td><td>{@code *}</td>
 *       <td>{@code ZCPROXY_KERBEROS_PRINCIPAL}</td></tr>
 *   <tr><td>{@code kerberos.realm}</td><td>the realm whose principals are policy users:
 *       {@code alice@REALM} is user {@code alice}</td><td>required with the keytab</td>
 *       <td>{@code ZCPROXY_KERBEROS_REALM}</td></tr>
 *   <tr><td>{@code kerberos.socks5Protection}</td><td>{@code none}, {@code integrity} or {@code
 *       confidentiality}: the most SOCKS5 GSS-API per-message protection granted; a client gets
 *       what it asks for up to this</td><td>{@code none}</td>
 *       <td>{@code ZCPROXY_KERBEROS_SOCKS5_PROTECTION}</td></tr>
 *   <tr><td>{@code shutdown.drainTimeout}</td><td>duration &gt;= 0: how long tunnels may run on
 *       after SIGTERM</td><td>{@code 30s}</td><td>{@code ZCPROXY_SHUTDOWN_DRAIN_TIMEOUT}</td></tr>
 * </table>
 *
 * <p>Durations are a whole number and a unit: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}. A
 * key set to null (or an environment variable set to the empty string) counts as unset. Unknown
 * keys, and {@code ZCPROXY_*} variables that match no key, are errors: a typo must not silently
 * fall back to a default.
 */
public final class ProxyConfigLoader {

  public static final InetSocketAddress DEFAULT_LISTEN =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 1080);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final int MAX_HANDSHAKE_BYTES_CEILING = 1024 * 1024;
  public static final Duration DEFAULT_STATE_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_STATE_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(30);

  private final Map<String, String> environment;
  private final Path workingDirectory;

  /**
   * @param environment the process environment (pass {@code System.getenv()}); only {@code
   *     ZCPROXY_*} entries are read
   * @param workingDirectory what a relative {@code ZCPROXY_POLICY_FILE} is relative to
   */
  public ProxyConfigLoader(Map<String, String> environment, Path workingDirectory) {
    this.environment = Map.copyOf(environment);
    this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
  }

  public ProxyConfig load(Path configFile) throws ConfigException {
    Path file = configFile.toAbsolutePath().normalize();
    var problems = new ArrayList<String>();
    var settings = new EnumMap<ConfigKey, Setting>(ConfigKey.class);
    boolean fileRead = readFile(file, settings, problems);
    readEnvironment(settings, problems);
    // Without the file, "missing key" problems would only be noise around the real one.
    ProxyConfig config = fileRead ? new Reader(settings, file.getParent(), problems).read() : null;
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  /** A raw value and where it came from: {@code envName} is null for the config file. */
  private record Setting(Object value, String envName) {}

  /** Returns false when the file cannot be read or parsed at all. */
  private static boolean readFile(
      Path file, Map<ConfigKey, Setting> settings, List<String> problems) {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException missing) {
      problems.add("config file " + file + ": no such file");
      return false;
    } catch (IOException unreadable) {
      problems.add("config file " + file + ": cannot read it (" + unreadable + ")");
      return false;
    }
    Object root;
    try {
      root = YamlDocuments.parse(content);
    } catch (IllegalArgumentException malformed) {
      problems.add("config file " + file + ": " + malformed.getMessage());
      return false;
    }
    if (root == null) {
      return true; // an empty file: every key unset
    }
    if (!(root instanceof Map<?, ?> top)) {
      problems.add(
          "config file "
              + file
              + ": expected a mapping of keys at the top level, got "
              + YamlDocuments.describe(root));
      return false;
    }
    top.forEach(
        (name, value) -> {
          String key = String.valueOf(name);
          if (ConfigKey.isSection(key)) {
            readSection(key, value, settings, problems);
          } else {
            readKey(key, value, settings, problems);
          }
        });
    return true;
  }

  private static void readSection(
      String section, Object value, Map<ConfigKey, Setting> settings, List<String> problems) {
    if (value == null) {
      return; // "admin: null" and an absent section alike leave its keys unset
    }
    if (!(value instanceof Map<?, ?> entries)) {
      problems.add(
          "config key '" + section + "': expected a mapping, got " + YamlDocuments.describe(value));
      return;
    }
    entries.forEach(
        (name, entry) -> {
          String path = section + "." + name;
          if (ConfigKey.isSection(path)) {
            readSection(path, entry, settings, problems);
          } else {
            readKey(path, entry, settings, problems);
          }
        });
  }

  private static void readKey(
      String path, Object value, Map<ConfigKey, Setting> settings, List<String> problems) {
    Optional<ConfigKey> key = ConfigKey.byPath(path);
    if (key.isEmpty()) {
      problems.add("config key '" + path + "': unknown key");
    } else if (value != null) {
      settings.put(key.get(), new Setting(value, null));
    }
  }

  private void readEnvironment(Map<ConfigKey, Setting> settings, List<String> problems) {
    new TreeMap<>(environment)
        .forEach(
            (name, value) -> {
              if (!name.startsWith(ConfigKey.ENV_PREFIX)) {
                return;
              }
              Optional<ConfigKey> key = ConfigKey.byEnvName(name);
              if (key.isEmpty()) {
                problems.add("environment variable " + name + ": matches no config key");
              } else if (value.isEmpty()) {
                settings.remove(key.get());
              } else {
                settings.put(key.get(), new Setting(value, name));
              }
            });
  }

  /** Turns raw settings into typed values, recording a problem for each bad one. */
  private final class Reader {
    private final Map<ConfigKey, Setting> settings;
    private final Path configDirectory;
    private final List<String> problems;

    Reader(Map<ConfigKey, Setting> settings, Path configDirectory, List<String> problems) {
      this.settings = settings;
      this.configDirectory = configDirectory;
      this.problems = problems;
    }

    ProxyConfig read() {
      ProxyServerSettings defaults = ProxyServerSettings.defaults(DEFAULT_LISTEN);
      InetSocketAddress listen = value(ConfigKey.LISTEN, defaults.listen(), Reader::hostPort);
      InetSocketAddress adminListen = value(ConfigKey.ADMIN_LISTEN, null, Reader::hostPort);
      RelayMode relay = value(ConfigKey.RELAY, defaults.relay(), Reader::relay);
      PolicySource policy = policySource();
      Duration idleTimeout = positive(ConfigKey.LIMITS_IDLE_TIMEOUT, defaults.idleTimeout());
      var limits =
          new Limits(
              positive(ConfigKey.LIMITS_HANDSHAKE_TIMEOUT, defaults.handshakeTimeout()),
              idleTimeout,
              positive(ConfigKey.LIMITS_CONNECT_TIMEOUT, defaults.connectTimeout()),
              positive(ConfigKey.LIMITS_BIND_ACCEPT_TIMEOUT, defaults.bindAcceptTimeout()),
              integer(
                  ConfigKey.LIMITS_MAX_HANDSHAKE_BYTES,
                  defaults.maxHandshakeBytes(),
                  64,
                  MAX_HANDSHAKE_BYTES_CEILING),
              integer(
                  ConfigKey.LIMITS_MAX_CONNECTIONS,
                  defaults.maxConnections(),
                  0,
                  Integer.MAX_VALUE),
              integer(
                  ConfigKey.LIMITS_MAX_CONNECTIONS_PER_SOURCE,
                  defaults.maxConnectionsPerSource(),
                  0,
                  Integer.MAX_VALUE),
              integer(
                  ConfigKey.LIMITS_MAX_CONNECTIONS_PER_USER,
                  defaults.maxConnectionsPerUser(),
                  0,
                  Integer.MAX_VALUE),
              positive(
                  ConfigKey.LIMITS_STREAM_IDLE_TIMEOUT,
                  idleTimeout == null ? defaults.idleTimeout() : idleTimeout),
              integer(
                  ConfigKey.LIMITS_MAX_HEADER_BYTES,
                  defaults.maxHeaderBytes(),
                  ProxyServerSettings.MAX_HEADER_BYTES_FLOOR,
                  ProxyServerSettings.MAX_HEADER_BYTES_CEILING));
      Duration drain =
          value(ConfigKey.SHUTDOWN_DRAIN_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, Reader::duration);
      ProxyConfig.Tls tls = tls();
      Kerberos kerberos = kerberos();
      if (!problems.isEmpty()) {
        return null;
      }
      return new ProxyConfig(
          listen,
          Optional.ofNullable(adminListen).map(Admin::new),
          relay,
          Objects.requireNonNull(policy),
          limits,
          new Shutdown(drain),
          Optional.ofNullable(tls),
          Optional.ofNullable(kerberos),
          settings.entrySet().stream()
              .filter(setting -> setting.getValue().envName() != null)
              .map(Map.Entry::getKey)
              .collect(java.util.stream.Collectors.toSet()));
    }

    /**
     * The Kerberos identity, or null when Kerberos is off. The keytab is read here, so that a
     * missing file, a file that is no keytab or one without the principal stops the proxy at
     * startup, not at the first client.
     */
    private Kerberos kerberos() {
      Path keytab = value(ConfigKey.KERBEROS_KEYTAB, null, this::path);
      String principal =
          value(ConfigKey.KERBEROS_PRINCIPAL, KerberosAcceptor.ANY_PRINCIPAL, Reader::principal);
      KerberosPrincipalMapping mapping =
          value(
              ConfigKey.KERBEROS_REALM,
              null,
              setting -> KerberosPrincipalMapping.forRealm(text(setting, "a Kerberos realm")));
      GssapiProtection protection =
          value(ConfigKey.KERBEROS_SOCKS5_PROTECTION, GssapiProtection.NONE, Reader::protection);
      boolean keytabSet = settings.containsKey(ConfigKey.KERBEROS_KEYTAB);
      for (ConfigKey dependent :
          List.of(
              ConfigKey.KERBEROS_PRINCIPAL,
              ConfigKey.KERBEROS_REALM,
              ConfigKey.KERBEROS_SOCKS5_PROTECTION)) {
        if (!keytabSet && settings.containsKey(dependent)) {
          missing(ConfigKey.KERBEROS_KEYTAB, dependent);
        }
      }
      if (!keytabSet) {
        return null;
      }
      if (!settings.containsKey(ConfigKey.KERBEROS_REALM)) {
        missing(ConfigKey.KERBEROS_REALM, ConfigKey.KERBEROS_KEYTAB);
      }
      if (keytab == null || principal == null || mapping == null) {
        return null; // a problem is already reported
      }
      return new Kerberos(keytab, principal, mapping, protection);
    }

    private void missing(ConfigKey missing, ConfigKey present) {
      problems.add(
          "config key '"
              + missing.path()
              + "': missing; "
              + present.path()
              + " needs it (or set "
              + missing.envName()
              + ")");
    }

    private static GssapiProtection protection(Setting setting) {
      if (setting.value() instanceof String text) {
        for (GssapiProtection level : GssapiProtection.values()) {
          if (level.name().equalsIgnoreCase(text.trim())) {
            return level;
          }
        }
      }
      throw new IllegalArgumentException(
          "expected none, integrity or confidentiality, got "
              + YamlDocuments.describe(setting.value()));
    }

    /** {@code *}, or a principal with its realm: {@code HTTP/proxy.example.com@EXAMPLE.COM}. */
    private static String principal(Setting setting) {
      String text =
          text(setting, "a Kerberos principal like HTTP/proxy.example.com@EXAMPLE.COM or *");
      if (!text.equals(KerberosAcceptor.ANY_PRINCIPAL)
          && (text.indexOf('@') <= 0 || text.endsWith("@") || text.contains(" "))) {
        throw new IllegalArgumentException(
            "expected a Kerberos principal with its realm like HTTP/proxy.example.com@EXAMPLE.COM,"
                + " or *, got "
                + YamlDocuments.describe(text));
      }
      return text;
    }

    private static String text(Setting setting, String expected) {
      if (!(setting.value() instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException(
            "expected " + expected + ", got " + YamlDocuments.describe(setting.value()));
      }
      return text.trim();
    }

    /**
     * Exactly one of {@code policy.file} and {@code policy.stateService}; the keys that only the
     * state service uses are refused beside a file. Null after a problem.
     */
    private PolicySource policySource() {
      List<ConfigKey> stateKeys =
          List.of(
              ConfigKey.POLICY_STATE_SERVICE_URL,
              ConfigKey.POLICY_STATE_SERVICE_API_KEY,
              ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE,
              ConfigKey.POLICY_STATE_SERVICE_CONNECT_TIMEOUT,
              ConfigKey.POLICY_STATE_SERVICE_REQUEST_TIMEOUT,
              ConfigKey.POLICY_BROKER_URL,
              ConfigKey.POLICY_CACHE_FILE,
              ConfigKey.POLICY_RESYNC_INTERVAL);
      boolean fileSet = settings.containsKey(ConfigKey.POLICY_FILE);
      boolean stateServiceSet = stateKeys.stream().anyMatch(settings::containsKey);
      if (fileSet && stateServiceSet) {
        for (ConfigKey key : stateKeys) {
          if (settings.containsKey(key)) {
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
        Path file = value(ConfigKey.POLICY_FILE, null, this::path);
        return file == null ? null : new PolicySource.File(file);
      }
      return stateService();
    }

    private PolicySource stateService() {
      URI url = value(ConfigKey.POLICY_STATE_SERVICE_URL, null, Reader::url);
      if (url == null && !settings.containsKey(ConfigKey.POLICY_STATE_SERVICE_URL)) {
        missing(ConfigKey.POLICY_STATE_SERVICE_URL, "the state service's base URL");
      }
      String apiKey = apiKey();
      Duration connectTimeout =
          positive(ConfigKey.POLICY_STATE_SERVICE_CONNECT_TIMEOUT, DEFAULT_STATE_CONNECT_TIMEOUT);
      Duration requestTimeout =
          positive(ConfigKey.POLICY_STATE_SERVICE_REQUEST_TIMEOUT, DEFAULT_STATE_REQUEST_TIMEOUT);
      URI broker = value(ConfigKey.POLICY_BROKER_URL, null, Reader::url);
      Path cacheFile = value(ConfigKey.POLICY_CACHE_FILE, null, this::path);
      if (cacheFile == null && !settings.containsKey(ConfigKey.POLICY_CACHE_FILE)) {
        missing(
            ConfigKey.POLICY_CACHE_FILE,
            "the file where the proxy keeps its last good policy, to serve after a restart");
      }
      Duration resync = positive(ConfigKey.POLICY_RESYNC_INTERVAL, DEFAULT_RESYNC_INTERVAL);
      if (url == null || apiKey == null || cacheFile == null) {
        return null;
      }
      StateServiceSettings service =
          value(
              ConfigKey.POLICY_STATE_SERVICE_URL,
              null,
              setting -> new StateServiceSettings(url, apiKey, connectTimeout, requestTimeout));
      if (service == null) {
        return null;
      }
      return new PolicySource.StateService(service, Optional.ofNullable(broker), cacheFile, resync);
    }

    /** {@code apiKey} or {@code apiKeyFile}, exactly one; the key is never part of a message. */
    private String apiKey() {
      boolean inline = settings.containsKey(ConfigKey.POLICY_STATE_SERVICE_API_KEY);
      boolean file = settings.containsKey(ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE);
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
        return value(ConfigKey.POLICY_STATE_SERVICE_API_KEY, null, Reader::apiKeyText);
      }
      Path keyFile = value(ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE, null, this::path);
      if (keyFile == null) {
        return null;
      }
      return value(
          ConfigKey.POLICY_STATE_SERVICE_API_KEY_FILE,
          null,
          setting -> {
            String text;
            try {
              text = Files.readString(keyFile);
            } catch (NoSuchFileException absent) {
              throw new IllegalArgumentException("no such file: " + keyFile, absent);
            } catch (IOException | java.io.UncheckedIOException unreadable) {
              throw new IllegalArgumentException(
                  "cannot read " + keyFile + " (" + unreadable.getClass().getSimpleName() + ")",
                  unreadable);
            }
            return apiKeyText(new Setting(text, setting.envName()));
          });
    }

    private static String apiKeyText(Setting setting) {
      if (!(setting.value() instanceof String text)) {
        throw new IllegalArgumentException("expected an API key (a string)");
      }
      String key = text.strip();
      if (key.isEmpty() || key.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
        throw new IllegalArgumentException(
            "expected an API key: one word of printable ASCII (the value is not shown)");
      }
      return key;
    }

    private static URI url(Setting setting) {
      if (!(setting.value() instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException(
            "expected a URL, got " + YamlDocuments.describe(setting.value()));
      }
      try {
        URI uri = new URI(text.strip());
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException(
              "expected an absolute URL like http://host:port, got "
                  + YamlDocuments.describe(text));
        }
        return uri;
      } catch (java.net.URISyntaxException bad) {
        throw new IllegalArgumentException(
            "not a URL (" + bad.getReason() + "), got " + YamlDocuments.describe(text), bad);
      }
    }

    private void missing(ConfigKey key, String what) {
      problems.add(
          "config key '" + key.path() + "': missing; " + what + " (or set " + key.envName() + ")");
    }

    /**
     * The TLS identity, or null when TLS is off. Either both files or {@code selfSigned}; a file is
     * read here, so that a missing file or a bad key stops the proxy at startup, not at the first
     * client.
     */
    private ProxyConfig.Tls tls() {
      TlsProvider provider = value(ConfigKey.TLS_PROVIDER, TlsProvider.AUTO, Reader::tlsProvider);
      Path certificate = value(ConfigKey.TLS_CERTIFICATE, null, this::path);
      Path privateKey = value(ConfigKey.TLS_PRIVATE_KEY, null, this::path);
      boolean selfSigned = value(ConfigKey.TLS_SELF_SIGNED, false, Reader::bool);
      boolean certificateSet = settings.containsKey(ConfigKey.TLS_CERTIFICATE);
      boolean privateKeySet = settings.containsKey(ConfigKey.TLS_PRIVATE_KEY);
      if (selfSigned) {
        if (certificateSet || privateKeySet) {
          problem(
              ConfigKey.TLS_SELF_SIGNED,
              "must not be true together with tls.certificate and tls.privateKey; use either"
                  + " your own certificate or a generated one");
          return null;
        }
        return provider == null ? null : new ProxyConfig.Tls(provider, Optional.empty());
      }
      if (certificateSet != privateKeySet) {
        ConfigKey missing = certificateSet ? ConfigKey.TLS_PRIVATE_KEY : ConfigKey.TLS_CERTIFICATE;
        ConfigKey present = certificateSet ? ConfigKey.TLS_CERTIFICATE : ConfigKey.TLS_PRIVATE_KEY;
        problems.add(
            "config key '"
                + missing.path()
                + "': missing; "
                + present.path()
                + " needs it (or set "
                + missing.envName()
                + ")");
        return null;
      }
      if (certificate == null || privateKey == null) {
        if (settings.containsKey(ConfigKey.TLS_PROVIDER) && problems.isEmpty()) {
          problem(
              ConfigKey.TLS_PROVIDER,
              "TLS is off: set tls.certificate and tls.privateKey, or tls.selfSigned");
        }
        return null; // TLS off, or a bad path already reported
      }
      return provider == null
          ? null
          : new ProxyConfig.Tls(
              provider, Optional.of(new ProxyConfig.TlsFiles(certificate, privateKey)));
    }

    /** A problem with a key that is set, naming the variable it came from, if any. */
    private void problem(ConfigKey key, String message) {
      Setting setting = settings.get(key);
      String source =
          setting == null || setting.envName() == null ? "" : " (from " + setting.envName() + ")";
      problems.add("config key '" + key.path() + "'" + source + ": " + message);
    }

    /**
     * The key's parsed value, or {@code fallback} when it is unset. A parser reports a bad value by
     * throwing {@link IllegalArgumentException} with the text that follows the key's name.
     */
    private <T> T value(ConfigKey key, T fallback, Function<Setting, T> parser) {
      Setting setting = settings.get(key);
      if (setting == null) {
        return fallback;
      }
      try {
        return parser.apply(setting);
      } catch (IllegalArgumentException bad) {
        String source = setting.envName() == null ? "" : " (from " + setting.envName() + ")";
        problems.add("config key '" + key.path() + "'" + source + ": " + bad.getMessage());
        return fallback;
      }
    }

    private Duration positive(ConfigKey key, Duration fallback) {
      return value(
          key,
          fallback,
          setting -> {
            Duration duration = duration(setting);
            if (duration.isZero()) {
              throw new IllegalArgumentException(
                  "must be longer than 0, got " + YamlDocuments.describe(setting.value()));
            }
            return duration;
          });
    }

    private int integer(ConfigKey key, int fallback, int min, int max) {
      return value(
          key,
          fallback,
          setting -> {
            String expected =
                "expected a whole number from "
                    + min
                    + " to "
                    + max
                    + ", got "
                    + YamlDocuments.describe(setting.value());
            long number =
                switch (setting.value()) {
                  case Integer i -> i;
                  case Long l -> l;
                  case String text when text.trim().matches("-?\\d{1,12}") ->
                      Long.parseLong(text.trim());
                  default -> throw new IllegalArgumentException(expected);
                };
            if (number < min || number > max) {
              throw new IllegalArgumentException(expected);
            }
            return (int) number;
          });
    }

    private Path path(Setting setting) {
      if (!(setting.value() instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException(
            "expected a file path, got " + YamlDocuments.describe(setting.value()));
      }
      Path base = setting.envName() == null ? configDirectory : workingDirectory;
      try {
        return base.resolve(text.trim()).normalize();
      } catch (java.nio.file.InvalidPathException invalid) {
        throw new IllegalArgumentException(
            "not a valid file path: " + YamlDocuments.describe(text), invalid);
      }
    }

    private static InetSocketAddress hostPort(Setting setting) {
      if (!(setting.value() instanceof String text)) {
        throw new IllegalArgumentException(
            "expected host:port, got " + YamlDocuments.describe(setting.value()));
      }
      try {
        return HostPort.parse(text);
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(
            bad.getMessage() + ", got " + YamlDocuments.describe(text), bad);
      }
    }

    private static TlsProvider tlsProvider(Setting setting) {
      TlsProvider provider = null;
      if (setting.value() instanceof String text) {
        provider =
            switch (text.trim().toLowerCase(Locale.ROOT)) {
              case "auto" -> TlsProvider.AUTO;
              case "openssl" -> TlsProvider.OPENSSL;
              case "jdk" -> TlsProvider.JDK;
              default -> null;
            };
      }
      if (provider == null) {
        throw new IllegalArgumentException(
            "expected auto, openssl or jdk, got " + YamlDocuments.describe(setting.value()));
      }
      return provider;
    }

    private static RelayMode relay(Setting setting) {
      if (setting.value() instanceof String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
          case "auto" -> {
            return RelayMode.AUTO;
          }
          case "splice" -> {
            return RelayMode.SPLICE;
          }
          case "copy" -> {
            return RelayMode.COPY;
          }
          default -> {}
        }
      }
      throw new IllegalArgumentException(
          "expected auto, splice or copy, got " + YamlDocuments.describe(setting.value()));
    }

    private static boolean bool(Setting setting) {
      switch (setting.value()) {
        case Boolean flag -> {
          return flag;
        }
        case String text when text.trim().equalsIgnoreCase("true") -> {
          return true;
        }
        case String text when text.trim().equalsIgnoreCase("false") -> {
          return false;
        }
        default ->
            throw new IllegalArgumentException(
                "expected true or false, got " + YamlDocuments.describe(setting.value()));
      }
    }

    private static Duration duration(Setting setting) {
      if (setting.value() instanceof String text) {
        try {
          return Durations.parse(text);
        } catch (IllegalArgumentException notDuration) {
          // reported below, with the expected form
        }
      }
      throw new IllegalArgumentException(
          "expected a duration like 30s or 5m, got " + YamlDocuments.describe(setting.value()));
    }
  }
}
