package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A rule's fields in their text forms, the same as the policy file and the REST API write them.
 * Sets are written sorted, so equal rules are stored alike.
 */
final class RuleFields {

  private RuleFields() {}

  static String[] users(AclRule rule) {
    return sorted(rule.users());
  }

  static String[] groups(AclRule rule) {
    return sorted(rule.groups());
  }

  static String[] destinations(AclRule rule) {
    return rule.destinations().stream().map(DestinationPattern::toString).toArray(String[]::new);
  }

  static String[] ports(AclRule rule) {
    return rule.ports().stream().map(PortRange::toString).toArray(String[]::new);
  }

  static String[] protocols(AclRule rule) {
    return rule.protocols().stream().map(PolicyText::format).sorted().toArray(String[]::new);
  }

  static String[] sorted(Set<String> names) {
    return names.stream().sorted().toArray(String[]::new);
  }

  static AclRule rule(
      String action,
      String[] users,
      String[] groups,
      String[] destinations,
      String[] ports,
      String[] protocols) {
    return new AclRule(
        PolicyText.parseAction(action),
        Set.of(users),
        Set.of(groups),
        Arrays.stream(destinations).map(DestinationPattern::parse).toList(),
        Arrays.stream(ports).map(PolicyText::parsePortRange).toList(),
        Arrays.stream(protocols).map(PolicyText::parseProtocol).collect(Collectors.toSet()));
  }

  static List<String> list(String[] values) {
    return List.of(values);
  }

  static Set<Protocol> protocols(String[] values) {
    return Arrays.stream(values).map(PolicyText::parseProtocol).collect(Collectors.toSet());
  }
}
