package dev.zcproxy.outbound.jpa;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.RuleId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The outbox payload of each change kind, in the REST API's field names:
 *
 * <ul>
 *   <li>{@code user.put}: {@code {name, passwordHash, groups, enabled}}
 *   <li>{@code user.deleted}: {@code {name}}
 *   <li>{@code rule.put}: {@code {id, position, action, users, groups, destinations, ports,
 *       protocols}}
 *   <li>{@code rule.moved}: {@code {id, position}}; {@code rule.deleted}: {@code {id}}
 *   <li>{@code settings.changed}: {@code {anonymous}}
 * </ul>
 */
final class PolicyChangeJson {

  private final ObjectMapper mapper = new ObjectMapper();

  String encode(PolicyChange change) {
    ObjectNode node = mapper.createObjectNode();
    switch (change) {
      case PolicyChange.UserPut(User user) -> {
        node.put("name", user.name());
        node.put("passwordHash", user.password().encoded());
        strings(node.putArray("groups"), RuleFields.sorted(user.groups()));
        node.put("enabled", user.enabled());
      }
      case PolicyChange.UserDeleted(String name) -> node.put("name", name);
      case PolicyChange.RulePut(RuleId id, int position, AclRule rule) -> {
        node.put("id", id.toString());
        node.put("position", position);
        node.put("action", PolicyText.format(rule.action()));
        strings(node.putArray("users"), RuleFields.users(rule));
        strings(node.putArray("groups"), RuleFields.groups(rule));
        strings(node.putArray("destinations"), RuleFields.destinations(rule));
        strings(node.putArray("ports"), RuleFields.ports(rule));
        strings(node.putArray("protocols"), RuleFields.protocols(rule));
      }
      case PolicyChange.RuleMoved(RuleId id, int position) -> {
        node.put("id", id.toString());
        node.put("position", position);
      }
      case PolicyChange.RuleDeleted(RuleId id) -> node.put("id", id.toString());
      case PolicyChange.SettingsChanged(boolean anonymous) -> node.put("anonymous", anonymous);
    }
    return node.toString();
  }

  /**
   * @throws IllegalStateException when the stored payload does not fit its kind: the outbox holds
   *     only what {@link #encode} wrote, so that is a bug or a hand edit
   */
  PolicyChange decode(String kind, String payload) {
    JsonNode node;
    try {
      node = mapper.readTree(payload);
    } catch (JsonProcessingException malformed) {
      throw new IllegalStateException("outbox payload of kind " + kind + " is not JSON", malformed);
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
                node.path("position").asInt(),
                RuleFields.rule(
                    text(node, "action"),
                    array(node, "users"),
                    array(node, "groups"),
                    array(node, "destinations"),
                    array(node, "ports"),
                    array(node, "protocols")));
        case "rule.moved" ->
            new PolicyChange.RuleMoved(
                RuleId.parse(text(node, "id")), node.path("position").asInt());
        case "rule.deleted" -> new PolicyChange.RuleDeleted(RuleId.parse(text(node, "id")));
        case "settings.changed" ->
            new PolicyChange.SettingsChanged(node.path("anonymous").asBoolean());
        default -> throw new IllegalStateException("unknown outbox kind " + kind);
      };
    } catch (IllegalArgumentException invalid) {
      throw new IllegalStateException(
          "outbox payload of kind " + kind + " is invalid: " + invalid.getMessage(), invalid);
    }
  }

  private static void strings(ArrayNode array, String[] values) {
    for (String value : values) {
      array.add(value);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("missing " + field);
    }
    return value.asText();
  }

  private static List<String> strings(JsonNode node, String field) {
    var values = new ArrayList<String>();
    node.path(field).forEach(item -> values.add(item.asText()));
    return values;
  }

  private static String[] array(JsonNode node, String field) {
    return strings(node, field).toArray(String[]::new);
  }
}
