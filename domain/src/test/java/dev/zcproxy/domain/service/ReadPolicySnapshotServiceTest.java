package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.contract.StateFixtures.allow;
import static dev.zcproxy.domain.service.ManageUsersServiceTest.done;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.MoveRuleCommand;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReadPolicySnapshotServiceTest {

  private final MutableClock clock = new MutableClock(StateFixtures.T0);
  private final InMemoryStore memory = new InMemoryStore();
  private final StorePorts store = memory.ports();
  private final ManageUsersService users =
      new ManageUsersService(
          memory,
          store.users(),
          store.rules(),
          store.outbox(),
          store.audit(),
          new Pbkdf2PasswordHasher(10_000),
          clock);
  private final ManageAclService acl =
      new ManageAclService(
          memory, store.users(), store.rules(), store.outbox(), store.audit(), clock);
  private final ReadPolicySnapshotService snapshots =
      new ReadPolicySnapshotService(memory, store.users(), store.rules(), store.outbox());

  @Test
  void anEmptyStoreIsRevisionZeroDenyingEveryone() {
    PolicyRevision empty = snapshots.snapshot();

    assertThat(empty.revision()).isZero();
    assertThat(empty.toPolicy().rules()).isEmpty();
    assertThat(empty.toPolicy().anonymous()).isFalse();
  }

  /** The outbox's changes, replayed in order on an empty policy, give the snapshot's policy. */
  @Test
  void replayingTheOutboxGivesTheSnapshot() {
    done(users.create(new CreateUserCommand("alice", "pw", Set.of("staff"), true), Actor.SYSTEM));
    StoredRule a =
        done(
            acl.create(
                new CreateRuleCommand(allow("a.example"), OptionalInt.empty()), Actor.SYSTEM));
    done(acl.create(new CreateRuleCommand(allow("b.example"), OptionalInt.of(1)), Actor.SYSTEM));
    done(acl.move(new MoveRuleCommand(a.id(), 1, ExpectedVersion.ANY), Actor.SYSTEM));
    done(acl.updateSettings(new UpdateSettingsCommand(true, ExpectedVersion.ANY), Actor.SYSTEM));

    PolicyRevision snapshot = snapshots.snapshot();

    List<OutboxEntry> history = store.read(() -> store.outbox().unpublished(100));
    assertThat(snapshot.revision()).isEqualTo(history.getLast().revision());
    Map<String, User> replayedUsers = new LinkedHashMap<>();
    List<Map.Entry<String, AclRule>> replayedRules = new ArrayList<>();
    boolean anonymous = false;
    for (OutboxEntry entry : history) {
      switch (entry.change()) {
        case PolicyChange.UserPut(User user) -> replayedUsers.put(user.name(), user);
        case PolicyChange.UserDeleted(String name) -> replayedUsers.remove(name);
        case PolicyChange.RulePut(var id, int position, AclRule rule) -> {
          replayedRules.removeIf(r -> r.getKey().equals(id.toString()));
          replayedRules.add(position - 1, Map.entry(id.toString(), rule));
        }
        case PolicyChange.RuleMoved(var id, int position) -> {
          var moved =
              replayedRules.stream()
                  .filter(r -> r.getKey().equals(id.toString()))
                  .findFirst()
                  .orElseThrow();
          replayedRules.remove(moved);
          replayedRules.add(position - 1, moved);
        }
        case PolicyChange.RuleDeleted(var id) ->
            replayedRules.removeIf(r -> r.getKey().equals(id.toString()));
        case PolicyChange.SettingsChanged(boolean value) -> anonymous = value;
      }
    }
    assertThat(snapshot.users())
        .extracting(StoredUser::user)
        .containsExactlyElementsOf(replayedUsers.values());
    assertThat(snapshot.rules())
        .extracting(rule -> rule.id().toString())
        .containsExactlyElementsOf(replayedRules.stream().map(Map.Entry::getKey).toList());
    assertThat(snapshot.settings().anonymous()).isEqualTo(anonymous);
  }
}
