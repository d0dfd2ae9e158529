package dev.zcproxy.domain.state;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.User;
import java.util.Objects;

/**
 * One committed change to the policy, as written to the outbox and later published to proxies. A
 * proxy that holds revision {@code r} applies the change of revision {@code r + n} only when that
 * change's previous revision is {@code r}; the changes are defined so that applying them in order
 * to the snapshot of the previous revision gives the snapshot of the next.
 */
public sealed interface PolicyChange {

  /** A stable name for the outbox's {@code kind} column and the broker's message type. */
  String kind();

  /** The user now reads so (created or replaced); it carries the password hash proxies check. */
  record UserPut(User user) implements PolicyChange {
    public UserPut {
      Objects.requireNonNull(user, "user");
    }

    @Override
    public String kind() {
      return "user.put";
    }
  }

  record UserDeleted(String name) implements PolicyChange {
    public UserDeleted {
      User.requireName(name, "user");
    }

    @Override
    public String kind() {
      return "user.deleted";
    }
  }

  /**
   * The rule now reads so and stands at {@code position}: remove any rule with this id, then insert
   * this one there, shifting the rules from that position on down by one. Covers both a new rule
   * and a replaced one (which keeps its position).
   */
  record RulePut(RuleId id, int position, AclRule rule) implements PolicyChange {
    public RulePut {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(rule, "rule");
      requirePosition(position);
    }

    @Override
    public String kind() {
      return "rule.put";
    }
  }

  /** Take the rule out and insert it again at {@code position}. */
  record RuleMoved(RuleId id, int position) implements PolicyChange {
    public RuleMoved {
      Objects.requireNonNull(id, "id");
      requirePosition(position);
    }

    @Override
    public String kind() {
      return "rule.moved";
    }
  }

  record RuleDeleted(RuleId id) implements PolicyChange {
    public RuleDeleted {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public String kind() {
      return "rule.deleted";
    }
  }

  record SettingsChanged(boolean anonymous) implements PolicyChange {
    @Override
    public String kind() {
      return "settings.changed";
    }
  }

  private static void requirePosition(int position) {
    if (position < 1) {
      throw new IllegalArgumentException("position must be >= 1, got " + position);
    }
  }
}
