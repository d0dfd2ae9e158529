package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.YamlDocuments;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a policy file into the domain's {@link Policy}. The shape:
 *
 * <pre>{@code
 * anonymous: false          # true: clients may skip authentication
 * users:
 *   - { name: alice, password: "{plain}wonderland", groups: [staff], enabled: true }
 * rules:                    # first match wins; no match = deny
 *   - action: allow         # allow | deny
 *     users: [alice]        # optional, likewise groups; neither = everyone
 *     destinations: ["127.0.0.1/32", "*.example.com"]
 *     ports: ["80", "8000-8999"]   # optional; ints also accepted
 *     protocols: [tcp, udp]        # optional
 * }</pre>
 *
 * Every problem is reported with its place, e.g. {@code policy file /etc/zcproxy/policy.yaml:
 * rules[2].ports[0]: ...}, and all of them at once. A rule naming an unknown user is an error (a
 * typo would otherwise silently match no one); a group exists by being named. A password's value is
 * never part of a message.
 */
public final class PolicyFileLoader {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyFileLoader.class);

  private static final Set<String> TOP_KEYS = Set.of("anonymous", "users", "rules");
  private static final Set<String> USER_KEYS = Set.of("name", "password", "groups", "enabled");
  private static final Set<String> RULE_KEYS =
      Set.of("action", "users", "groups", "destinations", "ports", "protocols");
  private static final Pattern PORT_RANGE = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");

  /** Reads and parses {@code file}. */
  public Policy load(Path file) throws ConfigException {
    Path absolute = file.toAbsolutePath().normalize();
    return parse(absolute, read(absolute));
  }

  /**
   * Reads the file's bytes, so that a caller can both fingerprint and parse one consistent version
   * of a file that an editor may be rewriting.
   */
  public static byte[] read(Path file) throws ConfigException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException missing) {
      throw new ConfigException("policy file " + file + ": no such file");
    } catch (IOException unreadable) {
      throw new ConfigException("policy file " + file + ": cannot read it (" + unreadable + ")");
    }
  }

  /**
   * Parses a policy file's content.
   *
   * @param file only used to name the file in messages
   */
  public Policy parse(Path file, byte[] content) throws ConfigException {
    var reader = new Reader("policy file " + file + ": ");
    Policy policy;
    try {
      policy = reader.policy(YamlDocuments.parse(content));
    } catch (IllegalArgumentException malformed) {
      throw new ConfigException("policy file " + file + ": " + malformed.getMessage());
    }
    if (!reader.problems.isEmpty()) {
      throw new ConfigException(reader.problems);
    }
    for (User user : policy.users()) {
      if (user.password().isPlain()) {
        LOG.warn(
            "user '{}' has a {plain} password: development only, use a {} hash"
                + " (java -jar zcproxy-proxy.jar hash-password)",
            user.name(),
            PasswordHash.PBKDF2_PREFIX);
      }
    }
    return policy;
  }

  /** One pass over one document, collecting problems instead of stopping at the first. */
  private static final class Reader {
    private final String prefix;
    private final List<String> problems = new ArrayList<>();

    Reader(String prefix) {
      this.prefix = prefix;
    }

    /** Returns null when there were problems. */
    Policy policy(Object root) {
      if (root == null) {
        // Refuse rather than admit no one: a half-written file must not become a deny-all policy.
        problems.add(prefix + "the file is empty (write \"rules: []\" to admit no one)");
        return null;
      }
      if (!(root instanceof Map<?, ?> top)) {
        problems.add(
            prefix
                + "expected a mapping with users and rules, got "
                + YamlDocuments.describe(root));
        return null;
      }
      unknownKeys(top, TOP_KEYS, "");
      boolean anonymous = bool(top.get("anonymous"), "anonymous", false);
      Map<String, String> userPaths = new HashMap<>();
      List<User> users =
          list(top.get("users"), "users", (node, path) -> user(node, path, userPaths));
      List<AclRule> rules =
          list(top.get("rules"), "rules", (node, path) -> rule(node, path, userPaths.keySet()));
      if (!problems.isEmpty()) {
        return null;
      }
      return new Policy(anonymous, users, rules);
    }

    private User user(Object node, String path, Map<String, String> seen) {
      if (!(node instanceof Map<?, ?> fields)) {
        problem(path, "expected a mapping with name and password, got " + describe(node));
        return null;
      }
      unknownKeys(fields, USER_KEYS, path + ".");
      String name = name(fields.get("name"), path + ".name", "user");
      PasswordHash password = password(fields.get("password"), path + ".password");
      Set<String> groups = names(fields.get("groups"), path + ".groups", "group");
      boolean enabled = bool(fields.get("enabled"), path + ".enabled", true);
      if (name != null) {
        String first = seen.putIfAbsent(name, path);
        if (first != null) {
          problem(path + ".name", "duplicate user '" + name + "' (first at " + first + ")");
          return null;
        }
      }
      if (name == null || password == null || groups == null) {
        return null;
      }
      return new User(name, password, groups, enabled);
    }

    private PasswordHash password(Object node, String path) {
      if (node == null) {
        problem(path, "missing");
        return null;
      }
      if (!(node instanceof String encoded)) {
        // No value in this message: even a mistyped password is a secret.
        problem(path, "expected a string, got " + YamlDocuments.describeKind(node));
        return null;
      }
      try {
        PasswordHash hash = new PasswordHash(encoded);
        Pbkdf2PasswordHasher.requireWellFormed(hash); // a bad hash fails now, not at first login
        return hash;
      } catch (IllegalArgumentException malformed) {
        problem(path, malformed.getMessage());
        return null;
      }
    }

    private AclRule rule(Object node, String path, Set<String> knownUsers) {
      if (!(node instanceof Map<?, ?> fields)) {
        problem(path, "expected a mapping with action and destinations, got " + describe(node));
        return null;
      }
      unknownKeys(fields, RULE_KEYS, path + ".");
      Action action = action(fields.get("action"), path + ".action");
      Set<String> users = names(fields.get("users"), path + ".users", "user");
      if (users != null) {
        int index = 0;
        for (Object user : orEmpty(fields.get("users"))) {
          if (users.contains(user) && !knownUsers.contains(user)) {
            problem(path + ".users[" + index + "]", "unknown user '" + user + "'");
          }
          index++;
        }
      }
      Set<String> groups = names(fields.get("groups"), path + ".groups", "group");
      Object destinationsNode = fields.get("destinations");
      if (destinationsNode == null) {
        problem(path + ".destinations", "missing; a rule needs at least one destination");
      } else if (destinationsNode instanceof List<?> given && given.isEmpty()) {
        problem(path + ".destinations", "empty; a rule needs at least one destination");
      }
      List<DestinationPattern> destinations =
          list(destinationsNode, path + ".destinations", this::destination);
      List<PortRange> ports = list(fields.get("ports"), path + ".ports", this::portRange);
      List<Protocol> protocols = list(fields.get("protocols"), path + ".protocols", this::protocol);
      if (action == null
          || users == null
          || groups == null
          || destinations == null
          || destinations.isEmpty()
          || ports == null
          || protocols == null) {
        return null;
      }
      try {
        return new AclRule(action, users, groups, destinations, ports, Set.copyOf(protocols));
      } catch (IllegalArgumentException invalid) {
        problem(path, invalid.getMessage());
        return null;
      }
    }

    private Action action(Object node, String path) {
      if (node == null) {
        problem(path, "missing; expected allow or deny");
        return null;
      }
      if (node instanceof String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
          case "allow" -> {
            return Action.ALLOW;
          }
          case "deny" -> {
            return Action.DENY;
          }
          default -> {}
        }
      }
      problem(path, "expected allow or deny, got " + describe(node));
      return null;
    }

    private DestinationPattern destination(Object node, String path) {
      if (!(node instanceof String text)) {
        problem(path, "expected a host, *.suffix, CIDR block or \"*\", got " + describe(node));
        return null;
      }
      try {
        return DestinationPattern.parse(text);
      } catch (IllegalArgumentException invalid) {
        problem(path, invalid.getMessage());
        return null;
      }
    }

    private PortRange portRange(Object node, String path) {
      String expected = "expected a port or a range like 8000-8999, got " + describe(node);
      String text =
          switch (node) {
            case Integer port -> port.toString();
            case String given -> given.trim();
            default -> null;
          };
      Matcher matcher = text == null ? null : PORT_RANGE.matcher(text);
      if (matcher == null || !matcher.matches()) {
        problem(path, expected);
        return null;
      }
      int from = Integer.parseInt(matcher.group(1));
      int to = matcher.group(2) == null ? from : Integer.parseInt(matcher.group(2));
      try {
        return new PortRange(from, to);
      } catch (IllegalArgumentException outOfRange) {
        problem(path, outOfRange.getMessage());
        return null;
      }
    }

    private Protocol protocol(Object node, String path) {
      if (node instanceof String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
          case "tcp" -> {
            return Protocol.TCP;
          }
          case "udp" -> {
            return Protocol.UDP;
          }
          default -> {}
        }
      }
      problem(path, "expected tcp or udp, got " + describe(node));
      return null;
    }

    /** A user or group name; {@code what} is "user" or "group". */
    private String name(Object node, String path, String what) {
      if (node == null) {
        problem(path, "missing");
        return null;
      }
      if (!(node instanceof String text)) {
        problem(path, "expected a " + what + " name, got " + describe(node));
        return null;
      }
      try {
        return User.requireName(text, what);
      } catch (IllegalArgumentException invalid) {
        problem(path, invalid.getMessage());
        return null;
      }
    }

    /** An optional list of names; absent means none. Null when there was a problem. */
    private Set<String> names(Object node, String path, String what) {
      List<String> names = list(node, path, (item, itemPath) -> name(item, itemPath, what));
      return names == null ? null : new LinkedHashSet<>(names);
    }

    /**
     * An optional list; absent or null means empty. Each element goes through {@code element},
     * which records its own problems and returns null. Returns null when any element failed.
     */
    private <T> List<T> list(Object node, String path, BiFunction<Object, String, T> element) {
      if (node == null) {
        return List.of();
      }
      if (!(node instanceof List<?> items)) {
        problem(path, "expected a list like [a, b], got " + describe(node));
        return null;
      }
      var result = new ArrayList<T>(items.size());
      boolean failed = false;
      for (int i = 0; i < items.size(); i++) {
        T value = element.apply(items.get(i), path + "[" + i + "]");
        if (value == null) {
          failed = true;
        } else {
          result.add(value);
        }
      }
      return failed ? null : result;
    }

    private boolean bool(Object node, String path, boolean fallback) {
      if (node == null) {
        return fallback;
      }
      if (node instanceof Boolean value) {
        return value;
      }
      problem(path, "expected true or false, got " + describe(node));
      return fallback;
    }

    private void unknownKeys(Map<?, ?> fields, Set<String> known, String pathPrefix) {
      for (Object key : fields.keySet()) {
        if (!known.contains(String.valueOf(key))) {
          problem(pathPrefix + key, "unknown key");
        }
      }
    }

    private void problem(String path, String message) {
      problems.add(prefix + path + ": " + message);
    }

    private static List<?> orEmpty(Object node) {
      return node instanceof List<?> list ? list : List.of();
    }

    /**
     * YAML 1.1 reads unquoted {@code yes}, {@code no}, {@code on}, {@code off} as booleans; say so,
     * because "got false" for a name written as {@code no} is a puzzle.
     */
    private static String describe(Object node) {
      String described = YamlDocuments.describe(node);
      return node instanceof Boolean
          ? described + " (quote words like \"no\" or \"on\")"
          : described;
    }
  }
}
