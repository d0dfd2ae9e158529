package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.model.AclRule;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A new rule.
 *
 * @param position where to insert it, 1 to the rule count + 1; empty appends it
 */
public record CreateRuleCommand(AclRule rule, OptionalInt position) {
  public CreateRuleCommand {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(position, "position");
    position.ifPresent(
        p -> {
          if (p < 1) {
            throw new IllegalArgumentException("position must be >= 1, got " + p);
          }
        });
  }
}
