package dev.zcproxy.domain.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.DeleteUserCommand;
import dev.zcproxy.domain.port.in.ReplaceUserCommand;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.Deleted;
import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.PageRequest;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.StoredUser;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ManageUsersServiceTest {

  private static final Actor ADMIN = new Actor("0123456789ab");

  private final MutableClock clock = new MutableClock(StateFixtures.T0);
  private final Pbkdf2PasswordHasher hasher = new Pbkdf2PasswordHasher(10_000);
  private final InMemoryStore memory = new InMemoryStore();
  private final StorePorts store = memory.ports();
  private final ManageUsersService users =
      new ManageUsersService(
          memory, store.users(), store.rules(), store.outbox(), store.audit(), hasher, clock);
  private final ManageAclService acl =
      new ManageAclService(
          memory, store.users(), store.rules(), store.outbox(), store.audit(), clock);

  @Test
  void createHashesThePasswordAndRecordsTheChangeAndWhoMadeIt() {
    StoredUser alice =
        done(
            users.create(
                new CreateUserCommand("alice", "wonderland", Set.of("staff"), true), ADMIN));

    assertThat(alice.user().password().encoded()).startsWith("$pbkdf2-sha256$i=10000$");
    assertThat(hasher.verify(alice.user().password(), "wonderland")).isTrue();
    List<OutboxEntry> outbox = store.read(() -> store.outbox().unpublished(10));
    assertThat(outbox)
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.change()).isEqualTo(new PolicyChange.UserPut(alice.user()));
              assertThat(entry.revision()).isEqualTo(alice.version());
            });
    assertThat(store.read(() -> store.audit().list(OptionalLong.empty(), 10)))
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.event().actor()).isEqualTo(ADMIN.id());
              assertThat(entry.event().action()).isEqualTo("user.create");
              assertThat(entry.event().target()).isEqualTo("alice");
              assertThat(entry.event().revision()).hasValue(alice.version());
            });
  }

  @Test
  void aTakenNameIsAConflictAndWritesNothing() {
    done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), ADMIN));

    assertThat(users.create(new CreateUserCommand("alice", "other", Set.of(), true), ADMIN))
        .isInstanceOf(Outcome.Conflict.class);
    assertThat(store.read(() -> store.outbox().unpublished(10))).hasSize(1);
  }

  @Test
  void replaceWithoutAPasswordKeepsTheHash() {
    StoredUser alice =
        done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), ADMIN));

    StoredUser replaced =
        done(
            users.replace(
                new ReplaceUserCommand(
                    "alice",
                    Optional.empty(),
                    Set.of("ops"),
                    false,
                    ExpectedVersion.exactly(alice.version())),
                ADMIN));

    assertThat(replaced.user().password()).isEqualTo(alice.user().password());
    assertThat(replaced.user().groups()).containsExactly("ops");
    assertThat(replaced.version()).isGreaterThan(alice.version());
  }

  @Test
  void replaceWithANewPasswordRehashes() {
    StoredUser alice =
        done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), ADMIN));

    StoredUser replaced =
        done(
            users.replace(
                new ReplaceUserCommand(
                    "alice", Optional.of("new"), Set.of(), true, ExpectedVersion.ANY),
                ADMIN));

    assertThat(hasher.verify(replaced.user().password(), "new")).isTrue();
    assertThat(replaced.version()).isGreaterThan(alice.version());
  }

  @Test
  void aStaleVersionIsRefusedWithTheCurrentOne() {
    StoredUser alice =
        done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), ADMIN));
    done(
        users.replace(
            new ReplaceUserCommand(
                "alice", Optional.empty(), Set.of("a"), true, ExpectedVersion.ANY),
            ADMIN));
    long current = users.user("alice").orElseThrow().version();

    assertThat(
            users.replace(
                new ReplaceUserCommand(
                    "alice",
                    Optional.empty(),
                    Set.of("b"),
                    true,
                    ExpectedVersion.exactly(alice.version())),
                ADMIN))
        .isEqualTo(new Outcome.VersionMismatch<StoredUser>(current));
    assertThat(
            users.delete(
                new DeleteUserCommand("alice", ExpectedVersion.exactly(alice.version())), ADMIN))
        .isEqualTo(new Outcome.VersionMismatch<Deleted>(current));
  }

  @Test
  void anUnchangedReplaceMakesNoRevision() {
    StoredUser alice =
        done(users.create(new CreateUserCommand("alice", "pw", Set.of("x"), true), ADMIN));

    StoredUser same =
        done(
            users.replace(
                new ReplaceUserCommand(
                    "alice", Optional.empty(), Set.of("x"), true, ExpectedVersion.ANY),
                ADMIN));

    assertThat(same).isEqualTo(alice);
    assertThat(store.read(() -> store.outbox().headRevision())).isEqualTo(alice.version());
  }

  @Test
  void unknownUsersAreNotFound() {
    assertThat(
            users.replace(
                new ReplaceUserCommand(
                    "ghost", Optional.empty(), Set.of(), true, ExpectedVersion.ANY),
                ADMIN))
        .isInstanceOf(Outcome.NotFound.class);
    assertThat(users.delete(new DeleteUserCommand("ghost", ExpectedVersion.ANY), ADMIN))
        .isInstanceOf(Outcome.NotFound.class);
  }

  @Test
  void aUserNamedByARuleCannotBeDeleted() {
    done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), ADMIN));
    AclRule naming =
        new AclRule(
            Action.ALLOW,
            Set.of("alice"),
            Set.of(),
            StateFixtures.patterns("*"),
            List.of(),
            Set.of());
    done(acl.create(new CreateRuleCommand(naming, OptionalInt.empty()), ADMIN));

    Outcome<Deleted> refused =
        users.delete(new DeleteUserCommand("alice", ExpectedVersion.ANY), ADMIN);

    assertThat(refused).isInstanceOf(Outcome.Conflict.class);
    assertThat(((Outcome.Conflict<Deleted>) refused).detail()).contains("named by rule");
  }

  @Test
  void deleteRecordsTheDeletion() {
    done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), ADMIN));

    Deleted deleted =
        done(users.delete(new DeleteUserCommand("alice", ExpectedVersion.ANY), ADMIN));

    assertThat(users.user("alice")).isEmpty();
    assertThat(store.read(() -> store.outbox().unpublished(10)).getLast())
        .isEqualTo(
            new OutboxEntry(
                deleted.revision(),
                deleted.revision() - 1,
                new PolicyChange.UserDeleted("alice"),
                StateFixtures.T0));
  }

  @Test
  void pagesOfUsersAndGroups() {
    for (String name : List.of("a", "b", "c")) {
      done(
          users.create(new CreateUserCommand(name, "pw", Set.of("g-" + name, "all"), true), ADMIN));
    }

    var first = users.users(PageRequest.first(2));
    assertThat(first.items()).extracting(StoredUser::name).containsExactly("a", "b");
    assertThat(first.next()).contains("b");
    var last = users.users(new PageRequest(first.next(), 2));
    assertThat(last.items()).extracting(StoredUser::name).containsExactly("c");
    assertThat(last.next()).isEmpty();
    assertThat(users.groups(PageRequest.first(1)).items())
        .containsExactly(new Group("all", List.of("a", "b", "c")));
    assertThat(users.group("g-b")).contains(new Group("g-b", List.of("b")));
  }

  @SuppressWarnings("unchecked")
  static <T> T done(Outcome<T> outcome) {
    assertThat(outcome).isInstanceOf(Outcome.Done.class);
    return ((Outcome.Done<T>) outcome).value();
  }
}
