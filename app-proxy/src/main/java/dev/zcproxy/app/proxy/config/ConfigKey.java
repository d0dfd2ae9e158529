package dev.zcproxy.app.proxy.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every key of the proxy's config file. The environment variable that overrides a key is derived
 * from its path, so no key can lack one: {@code limits.idleTimeout} becomes {@code
 * ZCPROXY_LIMITS_IDLE_TIMEOUT}.
 *
 * <table>
 *   <caption>Config keys</caption>
 *   <tr><th>Key</th><th>Value</th><th>Default</th><th>Environment variable</th></tr>
 *   <tr><td>{@code listen}</td><td>host:port, IPv6 as {@code "[::1]:1080"} (quoted in YAML)</td>
 *       <td>{@code 127.0.0.1:1080}</td><td>{@code ZCPROXY_LISTEN}</td></tr>
 *   <tr><td>{@code admin.listen}</td><td>host:port of {@code /healthz}, {@code /readyz},
 *       {@code /metrics}; omitted or null disables the admin server</td><td>disabled</td>
 *       <td>{@code ZCPROXY_ADMIN_LISTEN}</td></tr>
 *   <tr><td>{@code relay.mode}, or {@code relay} alone</td><td>{@code auto}, {@code splice} or
 *       {@code copy}</td><td>{@code auto}</td><td>{@code ZCPROXY_RELAY}</td></tr>
 *   <tr><td>{@code relay.maxPipes}</td><td>0 or more: the most kernel pipes open at once for
 *       splicing (two descriptors each); 0 makes spliced tunnels copy</td>
 *       <td>a quarter of the descriptor limit</td><td>{@code ZCPROXY_RELAY_MAX_PIPES}</td></tr>
 *   <tr><td>{@code relay.pipeSize}</td><td>4096-1048576 bytes per pipe</td>
 *       <td>{@code 262144}</td><td>{@code ZCPROXY_RELAY_PIPE_SIZE}</td></tr>
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
 *   <tr><td>{@code limits.minOpenFiles}</td><td>&gt;= 0, 0 = no check: the open-file limit the
 *       proxy needs (two per tunnel); startup fails when the hard limit it raises its soft limit
 *       to is lower</td><td>{@code 0}</td><td>{@code ZCPROXY_LIMITS_MIN_OPEN_FILES}</td></tr>
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
 *   <tr><td>{@code quic.enabled}</td><td>{@code true}: HTTP/3 over QUIC on the UDP port of the
 *       same number as {@code listen}, with the TLS certificate; needs {@code tls.*}</td>
 *       <td>{@code false}</td><td>{@code ZCPROXY_QUIC_ENABLED}</td></tr>
 *   <tr><td>{@code quic.maxConnections}</td><td>&gt;= 0, 0 = unlimited: QUIC connections of the
 *       whole proxy</td><td>{@code 0}</td><td>{@code ZCPROXY_QUIC_MAX_CONNECTIONS}</td></tr>
 *   <tr><td>{@code quic.maxConnectionsPerSource}</td><td>&gt;= 0, 0 = unlimited: QUIC connections
 *       per client IP address</td><td>{@code 0}</td>
 *       <td>{@code ZCPROXY_QUIC_MAX_CONNECTIONS_PER_SOURCE}</td></tr>
 *   <tr><td>{@code quic.idleTimeout}</td><td>duration &gt; 0: a QUIC connection with no packet
 *       either way is gone, with every tunnel on it</td><td>{@code 30s}</td>
 *       <td>{@code ZCPROXY_QUIC_IDLE_TIMEOUT}</td></tr>
 *   <tr><td>{@code quic.maxStreamsPerConnection}</td><td>1-10000: request streams a client may
 *       have open at once on one connection</td><td>{@code 100}</td>
 *       <td>{@code ZCPROXY_QUIC_MAX_STREAMS_PER_CONNECTION}</td></tr>
 *   <tr><td>{@code accessLog.enabled}</td><td>{@code true}: one line per finished tunnel,
 *       forwarded request, UDP association, CONNECT-UDP flow and refusal</td><td>{@code false}</td>
 *       <td>{@code ZCPROXY_ACCESS_LOG_ENABLED}</td></tr>
 *   <tr><td>{@code accessLog.path}</td><td>the file lines are appended to, relative like
 *       {@code policy.file}, reopened on SIGHUP; {@code -} for standard output</td>
 *       <td>{@code -}</td><td>{@code ZCPROXY_ACCESS_LOG_PATH}</td></tr>
 *   <tr><td>{@code accessLog.format}</td><td>{@code json} (one object a line, every field) or
 *       {@code squid} (Squid's native access.log)</td><td>{@code json}</td>
 *       <td>{@code ZCPROXY_ACCESS_LOG_FORMAT}</td></tr>
 *   <tr><td>{@code shutdown.drainTimeout}</td><td>duration &gt;= 0: how long tunnels may run on
 *       after SIGTERM</td><td>{@code 30s}</td><td>{@code ZCPROXY_SHUTDOWN_DRAIN_TIMEOUT}</td></tr>
 * </table>
 *
 * <p>Durations are a whole number and a unit: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}. A
 * key set to null (or an environment variable set to the empty string) counts as unset.
 */
public enum ConfigKey {
  LISTEN("listen"),
  ADMIN_LISTEN("admin.listen"),
  /** Also given as {@code relay: auto} alone, and by {@code ZCPROXY_RELAY}, as before it grew. */
  RELAY("relay.mode", "ZCPROXY_RELAY"),
  RELAY_MAX_PIPES("relay.maxPipes"),
  RELAY_PIPE_SIZE("relay.pipeSize"),
  POLICY_FILE("policy.file"),
  POLICY_STATE_SERVICE_URL("policy.stateService.url"),
  POLICY_STATE_SERVICE_API_KEY("policy.stateService.apiKey"),
  POLICY_STATE_SERVICE_API_KEY_FILE("policy.stateService.apiKeyFile"),
  POLICY_STATE_SERVICE_CONNECT_TIMEOUT("policy.stateService.connectTimeout"),
  POLICY_STATE_SERVICE_REQUEST_TIMEOUT("policy.stateService.requestTimeout"),
  POLICY_BROKER_URL("policy.broker.url"),
  POLICY_CACHE_FILE("policy.cacheFile"),
  POLICY_RESYNC_INTERVAL("policy.resyncInterval"),
  LIMITS_HANDSHAKE_TIMEOUT("limits.handshakeTimeout"),
  LIMITS_IDLE_TIMEOUT("limits.idleTimeout"),
  LIMITS_STREAM_IDLE_TIMEOUT("limits.streamIdleTimeout"),
  LIMITS_CONNECT_TIMEOUT("limits.connectTimeout"),
  LIMITS_BIND_ACCEPT_TIMEOUT("limits.bindAcceptTimeout"),
  LIMITS_MAX_HANDSHAKE_BYTES("limits.maxHandshakeBytes"),
  LIMITS_MAX_HEADER_BYTES("limits.maxHeaderBytes"),
  LIMITS_MAX_CONNECTIONS("limits.maxConnections"),
  LIMITS_MAX_CONNECTIONS_PER_SOURCE("limits.maxConnectionsPerSource"),
  LIMITS_MAX_CONNECTIONS_PER_USER("limits.maxConnectionsPerUser"),
  LIMITS_MIN_OPEN_FILES("limits.minOpenFiles"),
  TLS_CERTIFICATE("tls.certificate"),
  TLS_PRIVATE_KEY("tls.privateKey"),
  TLS_SELF_SIGNED("tls.selfSigned"),
  TLS_PROVIDER("tls.provider"),
  KERBEROS_KEYTAB("kerberos.keytab"),
  KERBEROS_PRINCIPAL("kerberos.principal"),
  KERBEROS_REALM("kerberos.realm"),
  KERBEROS_SOCKS5_PROTECTION("kerberos.socks5Protection"),
  QUIC_ENABLED("quic.enabled"),
  QUIC_MAX_CONNECTIONS("quic.maxConnections"),
  QUIC_MAX_CONNECTIONS_PER_SOURCE("quic.maxConnectionsPerSource"),
  QUIC_IDLE_TIMEOUT("quic.idleTimeout"),
  QUIC_MAX_STREAMS_PER_CONNECTION("quic.maxStreamsPerConnection"),
  ACCESS_LOG_ENABLED("accessLog.enabled"),
  ACCESS_LOG_PATH("accessLog.path"),
  ACCESS_LOG_FORMAT("accessLog.format"),
  SHUTDOWN_DRAIN_TIMEOUT("shutdown.drainTimeout");

  public static final String ENV_PREFIX = "ZCPROXY_";

  /** Every proper prefix of a key's path: {@code policy}, {@code policy.stateService}... */
  private static final Set<String> SECTIONS =
      Arrays.stream(values())
          .map(ConfigKey::path)
          .flatMap(
              path -> {
                var prefixes = new java.util.ArrayList<String>();
                for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
                  prefixes.add(path.substring(0, dot));
                }
                return prefixes.stream();
              })
          .collect(Collectors.toUnmodifiableSet());

  private final String path;
  private final String envName;

  ConfigKey(String path) {
    this(path, envNameOf(path));
  }

  ConfigKey(String path, String envName) {
    this.path = path;
    this.envName = envName;
  }

  /**
   * The key a section's scalar value stands for, where a section used to be a key: {@code relay:
   * splice} is {@code relay.mode: splice}.
   */
  public static Optional<ConfigKey> shorthand(String section) {
    return section.equals("relay") ? Optional.of(RELAY) : Optional.empty();
  }

  /** The dotted path as written in the file, e.g. {@code limits.idleTimeout}. */
  public String path() {
    return path;
  }

  /** The overriding environment variable, e.g. {@code ZCPROXY_LIMITS_IDLE_TIMEOUT}. */
  public String envName() {
    return envName;
  }

  /**
   * A problem with this key's value, one line: {@code config key 'limits.idleTimeout' (from
   * ZCPROXY_LIMITS_IDLE_TIMEOUT): expected ...}.
   *
   * @param fromEnvironment whether the value came from the variable rather than the file
   */
  public String problem(boolean fromEnvironment, String message) {
    return "config key '"
        + path
        + "'"
        + (fromEnvironment ? " (from " + envName + ")" : "")
        + ": "
        + message;
  }

  public static Optional<ConfigKey> byPath(String path) {
    return Arrays.stream(values()).filter(key -> key.path.equals(path)).findFirst();
  }

  public static Optional<ConfigKey> byEnvName(String envName) {
    return Arrays.stream(values()).filter(key -> key.envName.equals(envName)).findFirst();
  }

  /**
   * Whether {@code name} is a mapping that holds keys, such as {@code limits} or {@code
   * policy.stateService}.
   */
  public static boolean isSection(String name) {
    return SECTIONS.contains(name);
  }

  private static String envNameOf(String path) {
    var name = new StringBuilder(ENV_PREFIX);
    for (String segment : path.split("\\.")) {
      if (name.length() > ENV_PREFIX.length()) {
        name.append('_');
      }
      name.append(segment.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
    }
    return name.toString();
  }
}
