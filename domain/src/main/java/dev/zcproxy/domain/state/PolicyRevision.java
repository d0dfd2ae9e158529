package dev.zcproxy.domain.state;

import dev.zcproxy.domain.model.Policy;
import java.util.List;
import java.util.Objects;

/**
 * The whole policy as of one revision, read in one consistent view: what a proxy loads before it
 * applies the deltas that follow {@code revision}.
 *
 * @param revision the revision of the latest change included; 0 before any change
 * @param rules in position order
 */
public record PolicyRevision(
    long revision, PolicySettings settings, List<StoredUser> users, List<StoredRule> rules) {

  public PolicyRevision {
    Versions.require(revision);
    Objects.requireNonNull(settings, "settings");
    users = List.copyOf(Objects.requireNonNull(users, "users"));
    rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
  }

  /** The domain policy, ready to compile into a {@code PolicySnapshot}. */
  public Policy toPolicy() {
    return new Policy(
        settings.anonymous(),
        users.stream().map(StoredUser::user).toList(),
        rules.stream().map(StoredRule::rule).toList());
  }
}
