package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.RuleId;
import java.util.Objects;

public record DeleteRuleCommand(RuleId id, ExpectedVersion expected) {
  public DeleteRuleCommand {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(expected, "expected");
  }
}
