package dev.zcproxy.outbound.stateclient;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The state service's snapshot JSON ({@code GET /api/v1/policy/snapshot} read with a {@code proxy}
 * key), read strictly: every field must be there with its type, no other field may be, and every
 * value must be valid for the domain. A body that fails is refused whole, with the path of the
 * first problem ({@code users[2].passwordHash: missing}); it never becomes a partial policy.
 *
 * <pre>{@code
 * {"revision": 7, "anonymous": false,
 *  "users": [{"name": "alice", "groups": ["staff"], "enabled": true, "version": 3,
 *             "passwordHash": "$pbkdf2-sha256$..."}],
 *  "rules": [{"id": "3f0c...", "position": 1, "action": "allow", "users": [], "groups": [],
 *             "destinations": ["*.example.com"], "ports": ["443"], "protocols": ["tcp"],
 *             "version": 5}]}
 * }</pre>
 *
 * The settings' version is not in the body; a parsed snapshot carries {@code settingsVersion} as
 * given (0 for the REST body, the saved value for the local copy).
 */
final class SnapshotJson {

  static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private static final Set<String> TOP = Set.of("revision", "anonymous", "users", "rules");
  private static final Set<String> USER =
      Set.of("name", "groups", "enabled", "version", "passwordHash");
  private static final Set<String> RULE =
      Set.of(
          "id",
          "position",
          "action",
          "users",
          "groups",
          "destinations",
          "ports",
          "protocols",
          "version");

  private SnapshotJson() {}

  static JsonNode tree(byte[] body) {
    try {
      JsonNode root = MAPPER.readTree(body);
      if (root == null || root.isMissingNode()) {
        throw new IllegalArgumentException("empty body");
      }
      return root;
    } catch (JsonProcessingException malformed) {
      throw new IllegalArgumentException("not JSON: " + malformed.getOriginalMessage(), malformed);
    } catch (IOException unreadable) {
      throw new IllegalArgumentException("unreadable: " + unreadable.getMessage(), unreadable);
    }
  }

  /**
   * @throws IllegalArgumentException naming the first problem's path
   */
  static PolicyRevision parse(JsonNode root, long settingsVersion) {
    fields(root, "", TOP);
    long revision = number(root, "", "revision");
    boolean anonymous = bool(root, "", "anonymous");
    var users = new ArrayList<StoredUser>();
    var names = new HashSet<String>();
    elements(root, "users")
        .forEach(
            (path, node) -> {
              StoredUser user = user(node, path);
              if (!names.add(user.name())) {
                throw new IllegalArgumentException(path + ".name: duplicate user " + user.name());
              }
              users.add(user);
            });
    var rules = new ArrayList<StoredRule>();
    elements(root, "rules")
        .forEach(
            (path, node) -> {
              StoredRule rule = rule(node, path);
              if (rule.position() != rules.size() + 1) {
                throw new IllegalArgumentException(
                    path
                        + ".position: expected "
                        + (rules.size() + 1)
                        + ", got "
                        + rule.position());
              }
              rules.add(rule);
            });
    try {
      return new PolicyRevision(
          revision, new PolicySettings(anonymous, settingsVersion), users, rules);
    } catch (IllegalArgumentException invalid) {
      throw new IllegalArgumentException("revision: " + invalid.getMessage(), invalid);
    }
  }

  static ObjectNode write(PolicyRevision policy) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("revision", policy.revision());
    root.put("anonymous", policy.settings().anonymous());
    ArrayNode users = root.putArray("users");
    for (StoredUser stored : policy.users()) {
      User user = stored.user();
      ObjectNode node = users.addObject();
      node.put("name", user.name());
      strings(node.putArray("groups"), user.groups().stream().sorted().toList());
      node.put("enabled", user.enabled());
      node.put("version", stored.version());
      node.put("passwordHash", user.password().encoded());
    }
    ArrayNode rules = root.putArray("rules");
    for (StoredRule stored : policy.rules()) {
      AclRule rule = stored.rule();
      ObjectNode node = rules.addObject();
      node.put("id", stored.id().toString());
      node.put("position", stored.position());
      node.put("action", PolicyText.format(rule.action()));
      strings(node.putArray("users"), rule.users().stream().sorted().toList());
      strings(node.putArray("groups"), rule.groups().stream().sorted().toList());
      strings(
          node.putArray("destinations"),
          rule.destinations().stream().map(DestinationPattern::toString).toList());
      strings(node.putArray("ports"), rule.ports().stream().map(PortRange::toString).toList());
      strings(
          node.putArray("protocols"),
          rule.protocols().stream().map(PolicyText::format).sorted().toList());
      node.put("version", stored.version());
    }
    return root;
  }

  private static StoredUser user(JsonNode node, String path) {
    if (node.isObject() && !node.has("passwordHash")) {
      throw new IllegalArgumentException(
          path
              + ".passwordHash: missing (the API key needs the proxy scope, which is given password"
              + " hashes)");
    }
    fields(node, path, USER);
    String name = text(node, path, "name");
    Set<String> groups = new LinkedHashSet<>(names(node, path, "groups"));
    boolean enabled = bool(node, path, "enabled");
    long version = number(node, path, "version");
    String hash = text(node, path, "passwordHash");
    return valid(
        path,
        () -> new StoredUser(new User(name, new PasswordHash(hash), groups, enabled), version));
  }

  private static StoredRule rule(JsonNode node, String path) {
    fields(node, path, RULE);
    RuleId id = parsed(node, path, "id", RuleId::parse);
    int position = (int) Math.min(Integer.MAX_VALUE, number(node, path, "position"));
    Action action = parsed(node, path, "action", PolicyText::parseAction);
    List<String> users = names(node, path, "users");
    List<String> groups = names(node, path, "groups");
    List<DestinationPattern> destinations =
        parsedList(node, path, "destinations", DestinationPattern::parse);
    List<PortRange> ports = parsedList(node, path, "ports", PolicyText::parsePortRange);
    List<Protocol> protocols = parsedList(node, path, "protocols", PolicyText::parseProtocol);
    long version = number(node, path, "version");
    return valid(
        path,
        () ->
            new StoredRule(
                id,
                position,
                new AclRule(
                    action,
                    new HashSet<>(users),
                    new HashSet<>(groups),
                    destinations,
                    ports,
                    new HashSet<>(protocols)),
                version));
  }

  private static void fields(JsonNode node, String path, Set<String> expected) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where(path) + "expected an object");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!expected.contains(name)) {
        throw new IllegalArgumentException(at(path, name) + ": unknown field");
      }
    }
    for (String name : expected) {
      if (!node.has(name)) {
        throw new IllegalArgumentException(at(path, name) + ": missing");
      }
    }
  }

  private interface ElementVisitor {
    void visit(String path, JsonNode node);
  }

  private record Elements(JsonNode array, String path) {
    void forEach(ElementVisitor visitor) {
      for (int i = 0; i < array.size(); i++) {
        visitor.visit(path + "[" + i + "]", array.get(i));
      }
    }
  }

  private static Elements elements(JsonNode root, String name) {
    JsonNode array = root.get(name);
    if (!array.isArray()) {
      throw new IllegalArgumentException(name + ": expected an array");
    }
    return new Elements(array, name);
  }

  private static long number(JsonNode node, String path, String name) {
    JsonNode value = node.get(name);
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
      throw new IllegalArgumentException(at(path, name) + ": expected a whole number >= 0");
    }
    return value.asLong();
  }

  private static boolean bool(JsonNode node, String path, String name) {
    JsonNode value = node.get(name);
    if (!value.isBoolean()) {
      throw new IllegalArgumentException(at(path, name) + ": expected true or false");
    }
    return value.asBoolean();
  }

  private static String text(JsonNode node, String path, String name) {
    JsonNode value = node.get(name);
    if (!value.isTextual()) {
      throw new IllegalArgumentException(at(path, name) + ": expected a string");
    }
    return value.asText();
  }

  private static <T> T parsed(JsonNode node, String path, String name, Function<String, T> parser) {
    String text = text(node, path, name);
    return valid(at(path, name), () -> parser.apply(text));
  }

  private static List<String> names(JsonNode node, String path, String name) {
    return parsedList(node, path, name, text -> text);
  }

  private static <T> List<T> parsedList(
      JsonNode node, String path, String name, Function<String, T> parser) {
    JsonNode array = node.get(name);
    if (!array.isArray()) {
      throw new IllegalArgumentException(at(path, name) + ": expected an array of strings");
    }
    var values = new ArrayList<T>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode element = array.get(i);
      String elementPath = at(path, name) + "[" + i + "]";
      if (!element.isTextual()) {
        throw new IllegalArgumentException(elementPath + ": expected a string");
      }
      values.add(valid(elementPath, () -> parser.apply(element.asText())));
    }
    return values;
  }

  private interface Construction<T> {
    T make();
  }

  private static <T> T valid(String path, Construction<T> construction) {
    try {
      return construction.make();
    } catch (IllegalArgumentException invalid) {
      throw new IllegalArgumentException(path + ": " + invalid.getMessage(), invalid);
    }
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static String at(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String where(String path) {
    return path.isEmpty() ? "" : path + ": ";
  }
}
