package dev.zcproxy.app.state;

import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.outbound.jpa.DatabaseSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The state service's settings, all from environment variables (the way containers get them):
 *
 * <ul>
 *   <li>{@code ZCPROXY_STATE_LISTEN}: {@code host:port} of the REST API, {@code /metrics} and
 *       {@code /healthz}; default {@code 127.0.0.1:8080}
 *   <li>{@code ZCPROXY_STATE_DB_URL}: {@code jdbc:postgresql://...}, required
 *   <li>{@code ZCPROXY_STATE_DB_USER} (default {@code zcproxy}), {@code ZCPROXY_STATE_DB_PASSWORD}
 *       or {@code ZCPROXY_STATE_DB_PASSWORD_FILE}, {@code ZCPROXY_STATE_DB_SCHEMA} (default: the
 *       connection's current schema)
 *   <li>{@code ZCPROXY_STATE_BOOTSTRAP_API_KEY} or {@code ZCPROXY_STATE_BOOTSTRAP_API_KEY_FILE}: an
 *       admin API key ({@code zcp_...}, made by {@code new-api-key}) installed at startup; only its
 *       hash is stored
 *   <li>{@code ZCPROXY_STATE_BROKER_URL}: an external broker to publish policy changes to, {@code
 *       tcp://host:port} (Artemis) or {@code amqp://user:password@host:port/vhost} / {@code
 *       amqps://...} (RabbitMQ); unset: the embedded Artemis broker
 *   <li>{@code ZCPROXY_STATE_EMBEDDED_BROKER}: {@code tcp://host:port} the embedded broker listens
 *       on, default {@code tcp://127.0.0.1:61616}; {@code ZCPROXY_STATE_BROKER_DATA_DIR}: its
 *       journal, default {@code zcproxy-state-broker} under {@code java.io.tmpdir}
 * </ul>
 *
 * Every problem is collected and reported at once, each naming its variable; an unknown {@code
 * ZCPROXY_STATE_} variable is one (a typo must not pass silently).
 *
 * @param bootstrapKey empty when none is configured (keys stored earlier keep working)
 */
record StateConfig(
    InetSocketAddress listen,
    DatabaseSettings database,
    Optional<ApiKeyToken> bootstrapKey,
    BrokerSettings broker) {

  static final String PREFIX = "ZCPROXY_STATE_";
  static final String LISTEN = PREFIX + "LISTEN";
  static final String DB_URL = PREFIX + "DB_URL";
  static final String DB_USER = PREFIX + "DB_USER";
  static final String DB_PASSWORD = PREFIX + "DB_PASSWORD";
  static final String DB_PASSWORD_FILE = PREFIX + "DB_PASSWORD_FILE";
  static final String DB_SCHEMA = PREFIX + "DB_SCHEMA";
  static final String BOOTSTRAP_KEY = PREFIX + "BOOTSTRAP_API_KEY";
  static final String BOOTSTRAP_KEY_FILE = PREFIX + "BOOTSTRAP_API_KEY_FILE";
  static final String BROKER_URL = PREFIX + "BROKER_URL";
  static final String EMBEDDED_BROKER = PREFIX + "EMBEDDED_BROKER";
  static final String BROKER_DATA_DIR = PREFIX + "BROKER_DATA_DIR";

  static final String DEFAULT_EMBEDDED_BROKER = "tcp://127.0.0.1:61616";

  private static final Set<String> KNOWN =
      Set.of(
          LISTEN,
          DB_URL,
          DB_USER,
          DB_PASSWORD,
          DB_PASSWORD_FILE,
          DB_SCHEMA,
          BOOTSTRAP_KEY,
          BOOTSTRAP_KEY_FILE,
          BROKER_URL,
          EMBEDDED_BROKER,
          BROKER_DATA_DIR);

  /** Earlier names of variables, each with the one that replaced it. */
  private static final Map<String, String> RENAMED =
      Map.of(
          PREFIX + "BOOTSTRAP_KEY",
          BOOTSTRAP_KEY,
          PREFIX + "BOOTSTRAP_KEY_FILE",
          BOOTSTRAP_KEY_FILE);

  /** Bad settings: one line per problem, each naming its variable. */
  static final class Invalid extends Exception {
    private final List<String> problems;

    Invalid(List<String> problems) {
      super(String.join("\n", problems));
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }

  static StateConfig from(Map<String, String> environment) throws Invalid {
    List<String> problems = new ArrayList<>();
    Map<String, String> env = new HashMap<>();
    environment.forEach(
        (name, value) -> {
          if (name.startsWith(PREFIX) && !value.isEmpty()) {
            env.put(name, value);
          }
        });
    Set<String> unknown = new TreeSet<>(env.keySet());
    unknown.removeAll(KNOWN);
    unknown.forEach(
        name ->
            problems.add(
                name
                    + (RENAMED.containsKey(name)
                        ? ": renamed " + RENAMED.get(name)
                        : ": unknown variable; known are " + new TreeSet<>(KNOWN))));

    InetSocketAddress listen = listen(env.getOrDefault(LISTEN, "127.0.0.1:8080"), problems);
    Optional<String> password = secret(env, DB_PASSWORD, DB_PASSWORD_FILE, problems);
    Optional<String> bootstrap = secret(env, BOOTSTRAP_KEY, BOOTSTRAP_KEY_FILE, problems);
    Optional<ApiKeyToken> bootstrapKey = Optional.empty();
    if (bootstrap.isPresent()) {
      bootstrapKey = ApiKeyToken.parse(bootstrap.get());
      if (bootstrapKey.isEmpty()) {
        problems.add(
            (env.containsKey(BOOTSTRAP_KEY) ? BOOTSTRAP_KEY : BOOTSTRAP_KEY_FILE)
                + ": not an API key (zcp_ followed by 12 and 64 hex digits); make one with"
                + " `java -jar zcproxy-state.jar new-api-key`");
      }
    }
    DatabaseSettings database = null;
    String url = env.get(DB_URL);
    if (url == null) {
      problems.add(DB_URL + ": required, e.g. jdbc:postgresql://127.0.0.1:5432/zcproxy");
    } else {
      try {
        database = DatabaseSettings.of(url, env.getOrDefault(DB_USER, "zcproxy"), password);
        if (env.containsKey(DB_SCHEMA)) {
          database = database.withSchema(env.get(DB_SCHEMA));
        }
      } catch (IllegalArgumentException bad) {
        String culprit =
            bad.getMessage().contains("schema") && env.containsKey(DB_SCHEMA) ? DB_SCHEMA : DB_URL;
        problems.add(culprit + ": " + bad.getMessage());
      }
    }
    BrokerSettings broker = broker(env, problems);
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
    return new StateConfig(listen, database, bootstrapKey, broker);
  }

  private static BrokerSettings broker(Map<String, String> env, List<String> problems) {
    if (env.containsKey(BROKER_URL)) {
      for (String embeddedOnly : List.of(EMBEDDED_BROKER, BROKER_DATA_DIR)) {
        if (env.containsKey(embeddedOnly)) {
          problems.add(
              embeddedOnly + ": only for the embedded broker, but " + BROKER_URL + " is set");
        }
      }
      String value = env.get(BROKER_URL);
      URI url = uri(value);
      if (url == null
          || url.getHost() == null
          || !(isTcpHostPort(url)
              || "amqp".equals(url.getScheme())
              || "amqps".equals(url.getScheme()))) {
        problems.add(
            BROKER_URL
                + ": expected tcp://host:port (Artemis) or amqp://user:password@host:port/vhost"
                + " (RabbitMQ, or amqps://), got \""
                + redacted(value, url)
                + "\"");
        return null;
      }
      return new BrokerSettings.External(url);
    }
    String listen = env.getOrDefault(EMBEDDED_BROKER, DEFAULT_EMBEDDED_BROKER);
    URI uri = uri(listen);
    if (uri == null || !isTcpHostPort(uri)) {
      problems.add(EMBEDDED_BROKER + ": expected tcp://host:port, got \"" + listen + "\"");
      return null;
    }
    Path dataDirectory;
    try {
      dataDirectory =
          env.containsKey(BROKER_DATA_DIR)
              ? Path.of(env.get(BROKER_DATA_DIR))
              : Path.of(System.getProperty("java.io.tmpdir"), "zcproxy-state-broker");
    } catch (InvalidPathException bad) {
      problems.add(BROKER_DATA_DIR + ": not a path: " + bad.getMessage());
      return null;
    }
    return new BrokerSettings.Embedded(uri, dataDirectory);
  }

  private static URI uri(String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException bad) {
      return null;
    }
  }

  private static boolean isTcpHostPort(URI uri) {
    return "tcp".equals(uri.getScheme())
        && uri.getHost() != null
        && uri.getPort() > 0
        && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
        && uri.getRawQuery() == null
        && uri.getRawUserInfo() == null;
  }

  /** A broker URL for an error message, without its password. */
  private static String redacted(String value, URI url) {
    if (url == null || url.getRawUserInfo() == null) {
      return url == null && value.contains("@") ? "(unparsable, not shown)" : value;
    }
    return value.replace(url.getRawUserInfo() + "@", "***@");
  }

  private static InetSocketAddress listen(String value, List<String> problems) {
    int colon = value.lastIndexOf(':');
    String host = colon > 0 ? value.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(value.substring(colon + 1));
      if (host.isEmpty() || port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, port);
    } catch (NumberFormatException | IndexOutOfBoundsException bad) {
      problems.add(LISTEN + ": expected host:port, got \"" + value + "\"");
      return null;
    }
  }

  /** A secret given inline or in a file (a mounted Kubernetes Secret), but not both. */
  private static Optional<String> secret(
      Map<String, String> env, String inline, String file, List<String> problems) {
    if (env.containsKey(inline) && env.containsKey(file)) {
      problems.add(inline + ": set either it or " + file + ", not both");
      return Optional.empty();
    }
    if (env.containsKey(inline)) {
      return Optional.of(env.get(inline));
    }
    if (env.containsKey(file)) {
      try {
        return Optional.of(Files.readString(Path.of(env.get(file))).strip());
      } catch (IOException | RuntimeException unreadable) {
        problems.add(file + ": cannot read " + env.get(file) + ": " + unreadable.getMessage());
      }
    }
    return Optional.empty();
  }
}
