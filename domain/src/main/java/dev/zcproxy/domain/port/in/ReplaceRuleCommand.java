package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.RuleId;
import java.util.Objects;

public record ReplaceRuleCommand(RuleId id, AclRule rule, ExpectedVersion expected) {
  public ReplaceRuleCommand {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(expected, "expected");
  }
}
