package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.RuleId;
import java.util.Objects;

/**
 * @param position the rule's new place, 1 to the rule count
 */
public record MoveRuleCommand(RuleId id, int position, ExpectedVersion expected) {
  public MoveRuleCommand {
    Objects.requireNonNull(id, "id");
    if (position < 1) {
      throw new IllegalArgumentException("position must be >= 1, got " + position);
    }
    Objects.requireNonNull(expected, "expected");
  }
}
