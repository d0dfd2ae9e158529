package dev.zcproxy.app.proxy.config;

import dev.zcproxy.app.proxy.config.ProxyConfig.Admin;
import dev.zcproxy.app.proxy.config.ProxyConfig.Limits;
import dev.zcproxy.app.proxy.config.ProxyConfig.PolicySource;
import dev.zcproxy.app.proxy.config.ProxyConfig.Shutdown;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.TlsIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
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
 *       (relative to the working directory when set by the environment)</td><td>required</td>
 *       <td>{@code ZCPROXY_POLICY_FILE}</td></tr>
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
 *   <tr><td>{@code limits.maxHandshakeBytes}</td><td>64-1048576: bytes a client may send before
 *       its tunnel is up</td><td>{@code 4096}</td>
 *       <td>{@code ZCPROXY_LIMITS_MAX_HANDSHAKE_BYTES}</td></tr>
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
    entries.forEach((name, entry) -> readKey(section + "." + name, entry, settings, problems));
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
      Path policyFile = value(ConfigKey.POLICY_FILE, null, this::path);
      if (policyFile == null && !settings.containsKey(ConfigKey.POLICY_FILE)) {
        problems.add(
            "config key 'policy.file': missing; name the policy file (or set "
                + ConfigKey.POLICY_FILE.envName()
                + ")");
      }
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
                  idleTimeout == null ? defaults.idleTimeout() : idleTimeout));
      Duration drain =
          value(ConfigKey.SHUTDOWN_DRAIN_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, Reader::duration);
      TlsIdentity tls = tls(listen);
      if (!problems.isEmpty()) {
        return null;
      }
      return new ProxyConfig(
          listen,
          Optional.ofNullable(adminListen).map(Admin::new),
          relay,
          new PolicySource(Objects.requireNonNull(policyFile)),
          limits,
          new Shutdown(drain),
          Optional.ofNullable(tls));
    }

    /**
     * The TLS identity, or null when TLS is off. Either both files or {@code selfSigned}; a file is
     * read here, so that a missing file or a bad key stops the proxy at startup, not at the first
     * client.
     */
    private TlsIdentity tls(InetSocketAddress listen) {
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
        return value(ConfigKey.TLS_SELF_SIGNED, null, setting -> generated(listen));
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
        return null; // TLS off, or a bad path already reported
      }
      List<X509Certificate> chain =
          value(
              ConfigKey.TLS_CERTIFICATE,
              null,
              setting -> TlsIdentity.readCertificates(certificate));
      PrivateKey key =
          value(ConfigKey.TLS_PRIVATE_KEY, null, setting -> TlsIdentity.readPrivateKey(privateKey));
      if (chain == null || key == null) {
        return null;
      }
      return value(ConfigKey.TLS_PRIVATE_KEY, null, setting -> new TlsIdentity(key, chain, false));
    }

    /** A development certificate for the host clients connect to. */
    private static TlsIdentity generated(InetSocketAddress listen) {
      String host =
          listen.getAddress() != null && listen.getAddress().isAnyLocalAddress()
              ? "localhost"
              : listen.getHostString();
      return TlsIdentity.selfSigned(host);
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
