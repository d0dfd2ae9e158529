package dev.zcproxy.outbound.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.RuleId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The JSON payload of each policy change kind, in the REST API's field names. The outbox stores it
 * and the broker messages carry it, so there is exactly one form:
 *
 * <ul>
 *   <li>{@code user.put}: {@code {name, passwordHash, groups, enabled}}
 *   <li>{@code user.deleted}: {@code {name}}
 *   <li>{@code rule.put}: {@code {id, position, action, users, groups, destinations, ports,
 *       protocols}}
 *   <li>{@code rule.moved}: {@code {id, position}}; {@code rule.deleted}: {@code {id}}
 *   <li>{@code settings.changed}: {@code {anonymous}}
 * </ul>
 *
 * Sets are written sorted, so equal changes encode alike. Thread-safe.
 */
public final class PolicyChangeCodec {

  /** Every kind {@link #decode} knows, as {@link PolicyChange#kind()} names them. */
  public static final Set<String> KINDS =
      Set.of(
          "user.put", "user.deleted", "rule.put", "rule.moved", "rule.deleted", "settings.changed");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The payload as a JSON tree, for embedding in a larger document. */
  public ObjectNode encodeTree(PolicyChange change) {
    ObjectNode node = MAPPER.createObjectNode();
    switch (change) {
      case PolicyChange.UserPut(User user) -> {
        node.put("name", user.name());
        node.put("passwordHash", user.password().encoded());
        strings(node.putArray("groups"), sorted(user.groups()));
        node.put("enabled", user.enabled());
      }
      case PolicyChange.UserDeleted(String name) -> node.put("name", name);
      case PolicyChange.RulePut(RuleId id, int position, AclRule rule) -> {
        node.put("id", id.toString());
        node.put("position", position);
        node.put("action", PolicyText.format(rule.action()));
        strings(node.putArray("users"), sorted(rule.users()));
        strings(node.putArray("groups"), sorted(rule.groups()));
        strings(
            node.putArray("destinations"),
            rule.destinations().stream().map(DestinationPattern::toString).toList());
        strings(node.putArray("ports"), rule.ports().stream().map(PortRange::toString).toList());
        strings(
            node.putArray("protocols"),
            rule.protocols().stream().map(PolicyText::format).sorted().toList());
      }
      case PolicyChange.RuleMoved(RuleId id, int position) -> {
        node.put("id", id.toString());
        node.put("position", position);
      }
      case PolicyChange.RuleDeleted(RuleId id) -> node.put("id", id.toString());
      case PolicyChange.SettingsChanged(boolean anonymous) -> node.put("anonymous", anonymous);
    }
    return node;
  }

  /** The payload as JSON text. */
  public String encode(PolicyChange change) {
    return encodeTree(change).toString();
  }

  /**
   * @throws IllegalArgumentException when {@code payload} is not JSON, {@code kind} is unknown or
   *     the payload does not fit its kind; the message says which, and never holds the payload
   */
  public PolicyChange decode(String kind, String payload) {
    JsonNode node;
    try {
      node = MAPPER.readTree(payload);
    } catch (JsonProcessingException malformed) {
      throw new IllegalArgumentException("the payload of kind " + kind + " is not JSON");
    }
    return decodeTree(kind, node);
  }

  /**
   * @throws IllegalArgumentException when {@code kind} is unknown or the payload does not fit it
   */
  public PolicyChange decodeTree(String kind, JsonNode node) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("unknown change kind \"" + kind + "\"");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("the payload of kind " + kind + " is not an object");
    }
    try {
      return switch (kind) {
        case "user.put" ->
            new PolicyChange.UserPut(
                new User(
                    text(node, "name"),
                    new PasswordHash(text(node, "passwordHash")),
                    new HashSet<>(strings(node, "groups")),
                    node.path("enabled").asBoolean(true)));
        case "user.deleted" -> new PolicyChange.UserDeleted(text(node, "name"));
        case "rule.put" ->
            new PolicyChange.RulePut(
                RuleId.parse(text(node, "id")),
                integer(node, "position"),
                new AclRule(
                    PolicyText.parseAction(text(node, "action")),
                    Set.copyOf(strings(node, "users")),
                    Set.copyOf(strings(node, "groups")),
                    strings(node, "destinations").stream().map(DestinationPattern::parse).toList(),
                    strings(node, "ports").stream().map(PolicyText::parsePortRange).toList(),
                    strings(node, "protocols").stream()
                        .map(PolicyText::parseProtocol)
                        .collect(Collectors.toSet())));
        case "rule.moved" ->
            new PolicyChange.RuleMoved(RuleId.parse(text(node, "id")), integer(node, "position"));
        case "rule.deleted" -> new PolicyChange.RuleDeleted(RuleId.parse(text(node, "id")));
        case "settings.changed" -> new PolicyChange.SettingsChanged(bool(node, "anonymous"));
        default -> throw new IllegalStateException("KINDS and the switch disagree on " + kind);
      };
    } catch (IllegalArgumentException | NullPointerException invalid) {
      throw new IllegalArgumentException(
          "the payload of kind " + kind + " is invalid: " + invalid.getMessage(), invalid);
    }
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("missing text field " + field);
    }
    return value.asText();
  }

  private static int integer(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isInt()) {
      throw new IllegalArgumentException("missing integer field " + field);
    }
    return value.intValue();
  }

  private static boolean bool(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isBoolean()) {
      throw new IllegalArgumentException("missing boolean field " + field);
    }
    return value.booleanValue();
  }

  private static List<String> strings(JsonNode node, String field) {
    JsonNode array = node.get(field);
    if (array == null) {
      return List.of();
    }
    if (!array.isArray()) {
      throw new IllegalArgumentException(field + " is not an array");
    }
    var values = new ArrayList<String>();
    for (JsonNode item : array) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException(field + " holds a value that is not text");
      }
      values.add(item.asText());
    }
    return values;
  }
}
