package dev.zcproxy.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.DeleteRuleCommand;
import dev.zcproxy.domain.port.in.DeleteUserCommand;
import dev.zcproxy.domain.port.in.MoveRuleCommand;
import dev.zcproxy.domain.port.in.ReplaceRuleCommand;
import dev.zcproxy.domain.port.in.ReplaceUserCommand;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.service.ManageAclService;
import dev.zcproxy.domain.service.ManageUsersService;
import dev.zcproxy.domain.service.ReadPolicySnapshotService;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The state service's own use cases make the history: whatever they do, replaying their outbox on
 * the empty policy gives exactly the snapshot they serve, versions and positions included, and the
 * same digest whether reached from the start or from any snapshot along the way.
 */
class PolicyDeltasPropertyTest {

  private static final List<String> NAMES = List.of("alice", "bob", "carol");
  private static final Pbkdf2PasswordHasher HASHER = new Pbkdf2PasswordHasher(10_000);

  /** One use-case call; the numbers pick a user, a rule, a position, a variant. */
  record Op(int kind, int a, int b, int c) {}

  @Property(tries = 60)
  void replaying_the_outbox_gives_the_snapshot(@ForAll("histories") List<Op> history) {
    var service = new Service();
    List<PolicyRevision> snapshots = new ArrayList<>();
    snapshots.add(service.snapshots.snapshot());
    for (Op op : history) {
      service.run(op);
      snapshots.add(service.snapshots.snapshot());
    }
    PolicyRevision head = snapshots.getLast();
    List<OutboxEntry> outbox = service.store.read(() -> service.store.outbox().unpublished(10_000));

    PolicyRevision replayed = replay(snapshots.getFirst(), outbox);

    assertThat(replayed).isEqualTo(head);
    assertThat(PolicyDigest.of(replayed)).isEqualTo(PolicyDigest.of(head));
    for (PolicyRevision along : snapshots) {
      List<OutboxEntry> rest =
          outbox.stream().filter(entry -> entry.revision() > along.revision()).toList();
      assertThat(replay(along, rest)).isEqualTo(head);
    }
  }

  private static PolicyRevision replay(PolicyRevision from, List<OutboxEntry> entries) {
    PolicyRevision current = from;
    for (OutboxEntry entry : entries) {
      PolicyDeltas.Result result = PolicyDeltas.apply(current, entry);
      assertThat(result).isInstanceOf(PolicyDeltas.Result.Applied.class);
      current = ((PolicyDeltas.Result.Applied) result).next();
    }
    return current;
  }

  @Provide
  Arbitrary<List<Op>> histories() {
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.integers().between(0, 8),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 3))
            .as(Op::new);
    return op.list().ofMinSize(0).ofMaxSize(25);
  }

  private static final class Service {
    final InMemoryStore memory = new InMemoryStore();
    final StorePorts store = memory.ports();
    final MutableClock clock = new MutableClock(StateFixtures.T0);
    final ManageUsersService users =
        new ManageUsersService(
            memory, store.users(), store.rules(), store.outbox(), store.audit(), HASHER, clock);
    final ManageAclService acl =
        new ManageAclService(
            memory, store.users(), store.rules(), store.outbox(), store.audit(), clock);
    final ReadPolicySnapshotService snapshots =
        new ReadPolicySnapshotService(memory, store.users(), store.rules(), store.outbox());

    void run(Op op) {
      String name = NAMES.get(op.a() % NAMES.size());
      List<StoredRule> rules = store.read(() -> store.rules().all());
      Optional<StoredRule> rule =
          rules.isEmpty() ? Optional.empty() : Optional.of(rules.get(op.a() % rules.size()));
      int position = 1 + op.b() % (rules.size() + 1);
      var any = ExpectedVersion.ANY;
      Actor actor = Actor.SYSTEM;
      switch (op.kind()) {
        case 0 ->
            users.create(
                new CreateUserCommand(name, "pw" + op.b(), groups(op.c()), op.b() % 4 != 0), actor);
        case 1 ->
            users.replace(
                new ReplaceUserCommand(
                    name,
                    op.b() % 2 == 0 ? Optional.of("new" + op.b()) : Optional.empty(),
                    groups(op.c()),
                    op.b() % 3 != 0,
                    any),
                actor);
        case 2 -> users.delete(new DeleteUserCommand(name, any), actor);
        case 3, 4 ->
            acl.create(
                new CreateRuleCommand(
                    rule(op), op.c() == 0 ? OptionalInt.empty() : OptionalInt.of(position)),
                actor);
        case 5 ->
            rule.ifPresent(r -> acl.replace(new ReplaceRuleCommand(r.id(), rule(op), any), actor));
        case 6 ->
            rule.ifPresent(
                r -> acl.move(new MoveRuleCommand(r.id(), 1 + op.b() % rules.size(), any), actor));
        case 7 -> rule.ifPresent(r -> acl.delete(new DeleteRuleCommand(r.id(), any), actor));
        case 8 -> acl.updateSettings(new UpdateSettingsCommand(op.b() % 2 == 0, any), actor);
        default -> throw new IllegalStateException("kind " + op.kind());
      }
    }

    private static Set<String> groups(int variant) {
      return switch (variant) {
        case 0 -> Set.of();
        case 1 -> Set.of("staff");
        case 2 -> Set.of("ops", "staff");
        default -> Set.of("ops");
      };
    }

    /** A rule that names a user only sometimes (the service refuses unknown ones). */
    private static AclRule rule(Op op) {
      Set<String> named = op.c() == 3 ? Set.of(NAMES.get(op.b() % NAMES.size())) : Set.of();
      return new AclRule(
          op.b() % 3 == 0 ? Action.DENY : Action.ALLOW,
          named,
          op.c() == 2 ? Set.of("staff") : Set.of(),
          StateFixtures.patterns("h" + op.b() + ".example", op.c() % 2 == 0 ? "*" : "10.0.0.0/8"),
          op.b() % 2 == 0 ? List.of() : List.of(PortRange.single(80 + op.b())),
          op.c() == 1 ? Set.of(Protocol.TCP) : Set.of());
    }
  }
}
