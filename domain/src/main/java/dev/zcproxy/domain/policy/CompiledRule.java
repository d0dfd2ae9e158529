package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.Protocol;
import java.util.EnumSet;
import java.util.Set;

/**
 * One rule's conditions other than its destinations (those live in the snapshot's indexes), and the
 * decisions it can produce, built once so that deciding allocates none.
 */
final class CompiledRule {

  private final Action action;
  private final boolean everyone;
  private final Set<String> users;
  private final Set<String> groups;
  private final PortSet ports;
  private final Set<Protocol> protocols;

  private final Decision allowed;
  private final Decision denied;
  private final Decision refusedByEgressGuard;

  CompiledRule(AclRule rule, int number) {
    this.action = rule.action();
    this.everyone = rule.appliesToEveryone();
    this.users = rule.users();
    this.groups = rule.groups();
    this.ports = PortSet.of(rule.ports());
    this.protocols =
        rule.protocols().isEmpty()
            ? EnumSet.allOf(Protocol.class)
            : EnumSet.copyOf(rule.protocols());
    this.allowed = new Decision.Allow(number);
    this.denied =
        new Decision.Deny(Decision.Reason.DENIED_BY_RULE, number, "denied by rule " + number);
    this.refusedByEgressGuard =
        new Decision.Deny(
            Decision.Reason.EGRESS_GUARD,
            number,
            "rule " + number + " does not name this non-public address");
  }

  /** Subjects, port and protocol: everything but the destination. */
  boolean appliesTo(Principal principal, int port, Protocol protocol) {
    return protocols.contains(protocol) && ports.contains(port) && names(principal);
  }

  private boolean names(Principal principal) {
    if (everyone) {
      return true;
    }
    return switch (principal) {
      case Principal.Anonymous _ -> false;
      case Principal.UserPrincipal user -> users.contains(user.name()) || inAnyGroup(user.groups());
    };
  }

  private boolean inAnyGroup(Set<String> memberships) {
    for (String group : memberships) {
      if (groups.contains(group)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The decision of this rule as the first match.
   *
   * @param matchedByAddress whether one of the rule's CIDR blocks contains the address
   * @param address the destination's canonical bytes
   */
  Decision decide(boolean matchedByAddress, byte[] address) {
    if (action == Action.DENY) {
      return denied;
    }
    return matchedByAddress || EgressGuard.isPublic(address) ? allowed : refusedByEgressGuard;
  }
}
