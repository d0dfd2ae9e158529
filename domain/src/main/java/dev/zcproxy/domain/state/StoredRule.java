package dev.zcproxy.domain.state;

import dev.zcproxy.domain.model.AclRule;
import java.util.Objects;

/**
 * A rule as the state service keeps it.
 *
 * @param position 1-based place in the ordered rule list (first match wins). Not covered by {@code
 *     version}: moving one rule shifts others without changing what they say
 * @param version the policy revision that last changed this rule's content or moved it: its ETag
 */
public record StoredRule(RuleId id, int position, AclRule rule, long version) {

  public StoredRule {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(rule, "rule");
    if (position < 1) {
      throw new IllegalArgumentException("position must be >= 1, got " + position);
    }
    Versions.require(version);
  }

  public StoredRule at(int newPosition) {
    return new StoredRule(id, newPosition, rule, version);
  }
}
