package dev.zcproxy.domain.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Applies one published change to the policy it follows, exactly as {@link PolicyChange} defines
 * the changes: the result is the snapshot the state service would have served at the change's
 * revision. Pure: the inputs are not touched.
 *
 * <p>Versions come out as the service writes them: a put user, a put or moved rule and changed
 * settings take the change's revision; rules shifted by an insert, move or delete keep theirs.
 * Users are kept in name order and rules renumbered 1..n, like a snapshot.
 */
public final class PolicyDeltas {

  private PolicyDeltas() {}

  /** What became of a change. */
  public sealed interface Result {

    /** The policy at the change's revision. */
    record Applied(PolicyRevision next) implements Result {
      public Applied {
        Objects.requireNonNull(next, "next");
      }
    }

    /**
     * The change does not fit the policy it claims to follow (it names a rule or user that is not
     * there, or a position beyond the end): this proxy's copy has diverged, and only a full
     * snapshot can put it right.
     *
     * @param reason fit for a log line
     */
    record Inconsistent(String reason) implements Result {
      public Inconsistent {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * @throws IllegalArgumentException when {@code entry} does not follow {@code current} ({@code
   *     entry.previousRevision() != current.revision()}): checking the chain is the caller's job
   */
  public static Result apply(PolicyRevision current, OutboxEntry entry) {
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(entry, "entry");
    if (entry.previousRevision() != current.revision()) {
      throw new IllegalArgumentException(
          "revision "
              + entry.revision()
              + " follows "
              + entry.previousRevision()
              + ", not "
              + current.revision());
    }
    long revision = entry.revision();
    var users = new TreeMap<String, StoredUser>();
    current.users().forEach(user -> users.put(user.name(), user));
    List<StoredRule> rules = new ArrayList<>(current.rules());
    PolicySettings settings = current.settings();
    switch (entry.change()) {
      case PolicyChange.UserPut put ->
          users.put(put.user().name(), new StoredUser(put.user(), revision));
      case PolicyChange.UserDeleted deleted -> {
        if (users.remove(deleted.name()) == null) {
          return new Result.Inconsistent(
              "revision " + revision + " deletes user '" + deleted.name() + "', who is not there");
        }
      }
      case PolicyChange.RulePut put -> {
        rules.removeIf(rule -> rule.id().equals(put.id()));
        if (put.position() > rules.size() + 1) {
          return beyondTheEnd(revision, put.id(), put.position(), rules.size() + 1);
        }
        rules.add(
            put.position() - 1, new StoredRule(put.id(), put.position(), put.rule(), revision));
      }
      case PolicyChange.RuleMoved moved -> {
        int index = indexOf(rules, moved.id());
        if (index < 0) {
          return missingRule(revision, "moves", moved.id());
        }
        StoredRule rule = rules.remove(index);
        if (moved.position() > rules.size() + 1) {
          return beyondTheEnd(revision, moved.id(), moved.position(), rules.size() + 1);
        }
        rules.add(
            moved.position() - 1,
            new StoredRule(rule.id(), moved.position(), rule.rule(), revision));
      }
      case PolicyChange.RuleDeleted deleted -> {
        int index = indexOf(rules, deleted.id());
        if (index < 0) {
          return missingRule(revision, "deletes", deleted.id());
        }
        rules.remove(index);
      }
      case PolicyChange.SettingsChanged changed ->
          settings = new PolicySettings(changed.anonymous(), revision);
    }
    var numbered = new ArrayList<StoredRule>(rules.size());
    for (int i = 0; i < rules.size(); i++) {
      numbered.add(rules.get(i).at(i + 1));
    }
    return new Result.Applied(
        new PolicyRevision(revision, settings, List.copyOf(users.values()), numbered));
  }

  private static int indexOf(List<StoredRule> rules, RuleId id) {
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).id().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private static Result missingRule(long revision, String verb, RuleId id) {
    return new Result.Inconsistent(
        "revision " + revision + " " + verb + " rule " + id + ", which is not there");
  }

  private static Result beyondTheEnd(long revision, RuleId id, int position, int last) {
    return new Result.Inconsistent(
        "revision "
            + revision
            + " puts rule "
            + id
            + " at position "
            + position
            + ", beyond the end ("
            + last
            + ")");
  }
}
