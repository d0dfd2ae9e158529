package dev.zcproxy.domain.model;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The whole access policy as an operator writes it: who exists, and the ordered rules. It is plain
 * data; {@link dev.zcproxy.domain.policy.PolicySnapshot} compiles it for use at connection rate.
 *
 * @param anonymous whether clients may skip authentication (they then match only rules that name no
 *     users and no groups)
 * @param users the known users, names unique
 * @param rules first match wins; when none matches the connection is denied
 */
public record Policy(boolean anonymous, List<User> users, List<AclRule> rules) {

  public Policy {
    users = List.copyOf(Objects.requireNonNull(users, "users"));
    rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
    var names = new HashSet<String>();
    for (User user : users) {
      if (!names.add(user.name())) {
        throw new IllegalArgumentException("duplicate user name: " + user.name());
      }
    }
  }

  /** The policy that admits no one: what a proxy runs before it has loaded anything. */
  public static Policy denyAll() {
    return new Policy(false, List.of(), List.of());
  }
}
