package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a rule's fields from a request, as the policy file writes them: {@code action} allow or
 * deny; {@code users}, {@code groups} names (neither: everyone); {@code destinations} at least one
 * host, {@code *.suffix}, CIDR block or {@code *}; {@code ports} numbers or {@code "8000-8999"}
 * (none: all); {@code protocols} tcp, udp (none: both).
 */
final class RuleInput {

  static final Set<String> FIELDS =
      Set.of("action", "users", "groups", "destinations", "ports", "protocols");

  private RuleInput() {}

  /** The rule, or empty with the problems recorded in {@code reader}. */
  static Optional<AclRule> read(RequestReader reader) {
    Optional<Action> action = reader.parsed("action", true, PolicyText::parseAction);
    List<String> users =
        reader.list("users", false, reader.strings(name -> User.requireName(name, "user")));
    List<String> groups =
        reader.list("groups", false, reader.strings(name -> User.requireName(name, "group")));
    List<DestinationPattern> destinations =
        reader.list("destinations", true, reader.strings(DestinationPattern::parse));
    List<PortRange> ports =
        reader.list(
            "ports",
            false,
            (node, path) -> {
              if (node.isInt()) {
                return portOrProblem(reader, path, Integer.toString(node.asInt()));
              }
              if (node.isTextual()) {
                return portOrProblem(reader, path, node.asText());
              }
              reader.problem(path, "expected a port or a range like \"8000-8999\"");
              return Optional.empty();
            });
    List<Protocol> protocols =
        reader.list("protocols", false, reader.strings(PolicyText::parseProtocol));
    if (reader.hasProblems() || action.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new AclRule(
            action.get(),
            new HashSet<>(users),
            new HashSet<>(groups),
            destinations,
            ports,
            new HashSet<>(protocols)));
  }

  private static Optional<PortRange> portOrProblem(RequestReader reader, String path, String text) {
    try {
      return Optional.of(PolicyText.parsePortRange(text));
    } catch (IllegalArgumentException invalid) {
      reader.problem(path, invalid.getMessage());
      return Optional.empty();
    }
  }
}
