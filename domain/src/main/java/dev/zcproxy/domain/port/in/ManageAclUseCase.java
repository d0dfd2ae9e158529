package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.Deleted;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.util.Optional;

/**
 * The ordered rules (first match wins) and the policy-wide settings. Every change commits with its
 * outbox entry and an audit entry, or not at all. A rule may name only users that exist, so a typo
 * cannot silently match no one.
 */
public interface ManageAclUseCase {

  /** Rules after position {@code afterPosition} (0 for the first page), in position order. */
  Page<StoredRule> rules(int afterPosition, int limit);

  Optional<StoredRule> rule(RuleId id);

  /** {@code Rejected} for an unknown user or a position beyond the end. */
  Outcome<StoredRule> create(CreateRuleCommand command, Actor actor);

  /** {@code NotFound}, {@code VersionMismatch}, {@code Rejected}; the position stays. */
  Outcome<StoredRule> replace(ReplaceRuleCommand command, Actor actor);

  /** {@code NotFound}, {@code VersionMismatch}, {@code Rejected} for a position beyond the end. */
  Outcome<StoredRule> move(MoveRuleCommand command, Actor actor);

  Outcome<Deleted> delete(DeleteRuleCommand command, Actor actor);

  PolicySettings settings();

  /** {@code VersionMismatch}. */
  Outcome<PolicySettings> updateSettings(UpdateSettingsCommand command, Actor actor);
}
