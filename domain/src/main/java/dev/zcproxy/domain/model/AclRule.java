package dev.zcproxy.domain.model;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One access rule. A rule matches a connection when every condition it states holds:
 *
 * <ul>
 *   <li>subjects: if {@code users} or {@code groups} is non-empty, the client is one of those users
 *       or in one of those groups; if both are empty, the rule applies to everyone, anonymous
 *       clients included;
 *   <li>{@code destinations}: at least one pattern matches (never empty);
 *   <li>{@code ports}: empty means every port;
 *   <li>{@code protocols}: empty means every protocol.
 * </ul>
 */
public record AclRule(
    Action action,
    Set<String> users,
    Set<String> groups,
    List<DestinationPattern> destinations,
    List<PortRange> ports,
    Set<Protocol> protocols) {

  public AclRule {
    Objects.requireNonNull(action, "action");
    users = Set.copyOf(Objects.requireNonNull(users, "users"));
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    destinations = List.copyOf(Objects.requireNonNull(destinations, "destinations"));
    ports = List.copyOf(Objects.requireNonNull(ports, "ports"));
    protocols = Set.copyOf(Objects.requireNonNull(protocols, "protocols"));
    users.forEach(user -> User.requireName(user, "user"));
    groups.forEach(group -> User.requireName(group, "group"));
    if (destinations.isEmpty()) {
      throw new IllegalArgumentException("a rule needs at least one destination");
    }
  }

  /** True when the rule names no user and no group, and so applies to every client. */
  public boolean appliesToEveryone() {
    return users.isEmpty() && groups.isEmpty();
  }
}
