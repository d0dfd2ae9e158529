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
 */
public enum ConfigKey {
  LISTEN("listen"),
  ADMIN_LISTEN("admin.listen"),
  RELAY("relay"),
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
  TLS_CERTIFICATE("tls.certificate"),
  TLS_PRIVATE_KEY("tls.privateKey"),
  TLS_SELF_SIGNED("tls.selfSigned"),
  TLS_PROVIDER("tls.provider"),
  KERBEROS_KEYTAB("kerberos.keytab"),
  KERBEROS_PRINCIPAL("kerberos.principal"),
  KERBEROS_REALM("kerberos.realm"),
  KERBEROS_SOCKS5_PROTECTION("kerberos.socks5Protection"),
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
    this.path = path;
    this.envName = envNameOf(path);
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
