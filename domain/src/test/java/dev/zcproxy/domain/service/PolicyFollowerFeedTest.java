package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.contract.StateFixtures.allow;
import static dev.zcproxy.domain.service.ManageUsersServiceTest.done;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryPolicyFeed;
import dev.zcproxy.domain.fakes.InMemoryPolicySnapshotStore;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.DeleteUserCommand;
import dev.zcproxy.domain.port.in.MoveRuleCommand;
import dev.zcproxy.domain.port.in.ReplaceUserCommand;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.port.out.PolicySnapshotSource;
import dev.zcproxy.domain.port.out.PolicySourceUnavailableException;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyDigest;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.StoredRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The follower behind the feed port, with the state service's own use cases making the changes and
 * an in-memory feed carrying them: lost messages, redeliveries, outages and garbage, and the
 * follower ends with exactly the service's snapshot every time.
 */
class PolicyFollowerFeedTest {

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
  private final ReadPolicySnapshotService service =
      new ReadPolicySnapshotService(memory, store.users(), store.rules(), store.outbox());
  private final InMemoryPolicyFeed feed = new InMemoryPolicyFeed();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile boolean serviceDown;
  private final PolicySnapshotSource source =
      () -> {
        fetches.incrementAndGet();
        if (serviceDown) {
          throw new PolicySourceUnavailableException("down", null);
        }
        return service.snapshot();
      };
  private final List<Long> installed = new ArrayList<>();
  private final ConnectionRegistry registry =
      snapshot -> {
        installed.add(snapshot.revision());
        return 0;
      };
  private final PolicyFollower follower =
      new PolicyFollower(
          source,
          new InMemoryPolicySnapshotStore(),
          PolicyFollower.denyAll(),
          registry,
          new SilentObserver(),
          clock);
  private int published;

  /** Publishes every outbox entry not yet published, in order, like the relay. */
  private void relay() {
    List<OutboxEntry> entries = store.read(() -> store.outbox().unpublished(1000));
    for (OutboxEntry entry : entries.subList(published, entries.size())) {
      feed.publish(entry);
    }
    published = entries.size();
  }

  private void assertInStepWithTheService() {
    PolicyRevision head = service.snapshot();
    assertThat(follower.status().revision()).isEqualTo(head.revision());
    assertThat(follower.status().digest()).contains(PolicyDigest.of(head));
  }

  @Test
  void followsChangesAndRecoversFromLossesWithASnapshot() {
    follower.start();
    feed.start(follower);
    feed.connect();
    int afterConnect = fetches.get();

    done(users.create(new CreateUserCommand("alice", "pw", Set.of("staff"), true), Actor.SYSTEM));
    StoredRule a =
        done(
            acl.create(
                new CreateRuleCommand(allow("a.example"), OptionalInt.empty()), Actor.SYSTEM));
    done(acl.create(new CreateRuleCommand(allow("b.example"), OptionalInt.of(1)), Actor.SYSTEM));
    relay();
    done(acl.move(new MoveRuleCommand(a.id(), 1, ExpectedVersion.ANY), Actor.SYSTEM));
    relay();

    assertThat(fetches.get()).as("deltas alone, no snapshot").isEqualTo(afterConnect);
    assertThat(follower.deltasApplied()).isEqualTo(4);
    assertInStepWithTheService();

    // The broker drops the subscription; two changes go by unseen.
    feed.disconnect("connection reset");
    done(acl.updateSettings(new UpdateSettingsCommand(true, ExpectedVersion.ANY), Actor.SYSTEM));
    done(
        users.replace(
            new ReplaceUserCommand(
                "alice", Optional.empty(), Set.of("ops"), false, ExpectedVersion.ANY),
            Actor.SYSTEM));
    relay();
    assertThat(feed.lost()).hasSize(2);
    assertThat(follower.status().revision()).isEqualTo(4);

    feed.connect(); // a reconnect fetches the snapshot: the lost changes are in it
    assertInStepWithTheService();

    // A redelivery of old changes changes nothing.
    store.read(() -> store.outbox().unpublished(1000)).forEach(feed::publish);
    assertThat(follower.duplicates()).isEqualTo(6);
    assertInStepWithTheService();

    feed.publishGarbage("bad signature");
    assertThat(follower.rejectedMessages()).isOne();
    assertInStepWithTheService();
  }

  @Test
  void aChangeArrivingWhileTheServiceIsDownWaitsForTheNextSnapshot() {
    done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), Actor.SYSTEM));
    follower.start();
    feed.start(follower);
    feed.connect();
    published = store.read(() -> store.outbox().unpublished(1000)).size();

    // One change is lost, and when the next reveals the gap, the service cannot be reached.
    feed.disconnect("flap");
    done(acl.create(new CreateRuleCommand(allow("a.example"), OptionalInt.empty()), Actor.SYSTEM));
    relay();
    serviceDown = true;
    feed.connect();
    done(users.delete(new DeleteUserCommand("alice", ExpectedVersion.ANY), Actor.SYSTEM));
    relay();

    assertThat(follower.status().revision()).as("the last good policy stays").isEqualTo(1);

    serviceDown = false;
    follower.poll();
    assertInStepWithTheService();
    assertThat(installed).endsWith(3L);
  }

  /** Observes nothing; the assertions read the follower itself. */
  private static final class SilentObserver implements PolicyFollower.Observer {
    @Override
    public void installed(long revision, String digest, PolicyFollower.Origin origin, int closed) {}

    @Override
    public void sourceUnavailable(PolicyFollower.Resync reason, String message, boolean first) {}

    @Override
    public void sourceBack() {}

    @Override
    public void staleSnapshotIgnored(long fetchedRevision, long appliedRevision) {}

    @Override
    public void gap(long appliedRevision, OutboxEntry entry) {}

    @Override
    public void inconsistentChange(String reason) {}

    @Override
    public void invalidPolicy(long revision, String reason) {}

    @Override
    public void rejectedMessage(String reason) {}

    @Override
    public void feedDisconnected(String reason) {}

    @Override
    public void cacheProblem(String message) {}
  }
}
