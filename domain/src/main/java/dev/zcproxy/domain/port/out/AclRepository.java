package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.util.List;
import java.util.Optional;

/**
 * The ordered rules and the policy-wide settings. The repository keeps positions contiguous, 1 to
 * {@link #count()}: inserting, moving and deleting shift the rules in between, without changing
 * their versions. Callers pass valid positions (checked inside the same unit of work). Use inside a
 * {@link UnitOfWork}.
 */
public interface AclRepository {

  Optional<StoredRule> find(RuleId id);

  /** At most {@code limit} rules after {@code afterPosition} (0 for the first page). */
  List<StoredRule> list(int afterPosition, int limit);

  /** Every rule, in position order. */
  List<StoredRule> all();

  int count();

  /** Inserts at {@code rule.position()} (1 to count + 1); rules from there on move down one. */
  void insert(StoredRule rule);

  /** Replaces the content and version of a rule; its position stays (the one passed is ignored). */
  void replace(StoredRule rule);

  /** Moves a rule to {@code position} (1 to count) and gives it {@code version}. */
  void move(RuleId id, int position, long version);

  /** Removes a rule; the rules after it move up one. */
  void delete(RuleId id);

  PolicySettings settings();

  void saveSettings(PolicySettings settings);
}
