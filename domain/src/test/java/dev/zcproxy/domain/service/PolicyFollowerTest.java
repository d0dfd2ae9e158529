package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.contract.StateFixtures.allow;
import static dev.zcproxy.domain.service.ManageUsersServiceTest.done;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryPolicySnapshotStore;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.in.CreateRuleCommand;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.DeleteRuleCommand;
import dev.zcproxy.domain.port.in.UpdateSettingsCommand;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.port.out.PolicySnapshotSource;
import dev.zcproxy.domain.port.out.PolicySnapshotStore;
import dev.zcproxy.domain.port.out.PolicySourceUnavailableException;
import dev.zcproxy.domain.service.PolicyFollower.Origin;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ExpectedVersion;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicyDigest;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyFollowerTest {

  private static final ConnectRequest TO_A =
      new ConnectRequest("a.example", InetAddress.ofLiteral("93.184.216.34"), 443, Protocol.TCP);
  private static final Principal ALICE = new Principal.UserPrincipal("alice", Set.of());

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

  private final FakeSource source = new FakeSource();
  private final InMemoryPolicySnapshotStore cache = new InMemoryPolicySnapshotStore();
  private final RecordingRegistry registry = new RecordingRegistry();
  private final RecordingObserver observer = new RecordingObserver();
  private final ActivePolicy active = PolicyFollower.denyAll();
  private PolicyFollower follower =
      new PolicyFollower(source, cache, active, registry, observer, clock);

  /** The state service's snapshot endpoint, reachable or not, counting its calls. */
  private final class FakeSource implements PolicySnapshotSource {
    boolean down;
    int fetches;
    int conditionalFetches;
    PolicyRevision override;

    @Override
    public PolicyRevision fetch() {
      fetches++;
      if (down) {
        throw new PolicySourceUnavailableException("connection refused", null);
      }
      return override != null ? override : service.snapshot();
    }

    @Override
    public Optional<PolicyRevision> fetchIfChanged(long appliedRevision) {
      conditionalFetches++;
      PolicyRevision current = fetch();
      return current.revision() == appliedRevision ? Optional.empty() : Optional.of(current);
    }
  }

  private static final class RecordingRegistry implements ConnectionRegistry {
    final List<Long> installed = new ArrayList<>();

    @Override
    public int policyInstalled(PolicySnapshot snapshot) {
      installed.add(snapshot.revision());
      return 0;
    }
  }

  private static final class RecordingObserver implements PolicyFollower.Observer {
    final List<String> events = new ArrayList<>();

    @Override
    public void installed(long revision, String digest, Origin origin, int tunnelsClosed) {
      events.add("installed " + revision + " from " + origin.label());
    }

    @Override
    public void sourceUnavailable(PolicyFollower.Resync reason, String message, boolean first) {
      events.add("unavailable " + reason + (first ? " first" : ""));
    }

    @Override
    public void sourceBack() {
      events.add("back");
    }

    @Override
    public void staleSnapshotIgnored(long fetchedRevision, long appliedRevision) {
      events.add("stale " + fetchedRevision + " < " + appliedRevision);
    }

    @Override
    public void gap(long appliedRevision, OutboxEntry entry) {
      events.add("gap at " + appliedRevision + " for " + entry.revision());
    }

    @Override
    public void inconsistentChange(String reason) {
      events.add("inconsistent");
    }

    @Override
    public void invalidPolicy(long revision, String reason) {
      events.add("invalid " + revision);
    }

    @Override
    public void rejectedMessage(String reason) {
      events.add("rejected " + reason);
    }

    @Override
    public void feedDisconnected(String reason) {
      events.add("disconnected");
    }

    @Override
    public void cacheProblem(String message) {
      events.add("cache problem");
    }
  }

  private void aliceMayReachA() {
    done(users.create(new CreateUserCommand("alice", "pw", Set.of(), true), Actor.SYSTEM));
    done(acl.create(new CreateRuleCommand(allow("a.example"), OptionalInt.empty()), Actor.SYSTEM));
  }

  private List<OutboxEntry> outbox() {
    return store.read(() -> store.outbox().unpublished(1000));
  }

  private boolean aliceAllowed() {
    return active.current().authorize(ALICE, TO_A) instanceof Decision.Allow;
  }

  @Test
  void withNoSnapshotAndNoSourceNoOneIsAdmittedUntilTheSourceAnswers() {
    aliceMayReachA();
    source.down = true;

    follower.start();

    assertThat(follower.hasPolicy()).isFalse();
    assertThat(aliceAllowed()).isFalse();
    assertThat(follower.ageSeconds()).isEqualTo(-1);
    assertThat(observer.events).containsExactly("unavailable START first");

    follower.poll();
    assertThat(observer.events).endsWith("unavailable POLL");
    source.down = false;
    follower.poll();

    assertThat(follower.hasPolicy()).isTrue();
    assertThat(aliceAllowed()).isTrue();
    assertThat(follower.status().origin()).isEqualTo(Origin.SNAPSHOT);
    assertThat(follower.status().revision()).isEqualTo(2);
    assertThat(observer.events).endsWith("back", "installed 2 from snapshot");
  }

  @Test
  void aSavedSnapshotIsServedAtOnceAndKeptWhileTheSourceIsDown() {
    aliceMayReachA();
    PolicyRevision saved = service.snapshot();
    var savedAt = StateFixtures.T0.minusSeconds(60);
    follower =
        new PolicyFollower(
            source,
            new InMemoryPolicySnapshotStore(new PolicySnapshotStore.Saved(saved, savedAt)),
            active,
            registry,
            observer,
            clock);
    source.down = true;

    follower.start();

    assertThat(follower.hasPolicy()).isTrue();
    assertThat(aliceAllowed()).isTrue();
    assertThat(follower.status().origin()).isEqualTo(Origin.CACHE);
    assertThat(follower.status().digest()).contains(PolicyDigest.of(saved));
    assertThat(follower.ageSeconds()).isEqualTo(60);
    assertThat(registry.installed).containsExactly(2L);
  }

  @Test
  void anUnreadableSavedCopyIsReportedAndTheSourceUsed() {
    aliceMayReachA();
    cache.broken(true);

    follower.start();

    assertThat(observer.events).startsWith("cache problem");
    assertThat(follower.status().revision()).isEqualTo(2);
  }

  @Test
  void changesThatFollowAreAppliedAndSavedAndDuplicatesIgnored() {
    aliceMayReachA();
    follower.start();
    int fetches = source.fetches;
    StoredRule deny =
        done(
            acl.create(
                new CreateRuleCommand(
                    new dev.zcproxy.domain.model.AclRule(
                        dev.zcproxy.domain.model.Action.DENY,
                        Set.of("alice"),
                        Set.of(),
                        StateFixtures.patterns("a.example"),
                        List.of(),
                        Set.of()),
                    OptionalInt.of(1)),
                Actor.SYSTEM));
    OutboxEntry third = outbox().getLast();
    clock.advance(Duration.ofSeconds(5));

    follower.change(third);
    follower.change(third);
    follower.change(outbox().getFirst());

    assertThat(aliceAllowed()).isFalse();
    assertThat(follower.deltasApplied()).isEqualTo(1);
    assertThat(follower.duplicates()).isEqualTo(2);
    assertThat(source.fetches).isEqualTo(fetches);
    assertThat(follower.status().origin()).isEqualTo(Origin.FEED);
    assertThat(follower.status().digest()).contains(PolicyDigest.of(service.snapshot()));
    assertThat(cache.history().getLast().policy()).isEqualTo(service.snapshot());
    assertThat(cache.history().getLast().syncedAt()).isEqualTo(clock.instant());
    assertThat(registry.installed).containsExactly(2L, 3L);
    assertThat(deny.position()).isEqualTo(1);
  }

  @Test
  void aGapFetchesTheSnapshot() {
    aliceMayReachA();
    follower.start();
    done(acl.updateSettings(new UpdateSettingsCommand(true, ExpectedVersion.ANY), Actor.SYSTEM));
    done(acl.create(new CreateRuleCommand(allow("b.example"), OptionalInt.empty()), Actor.SYSTEM));
    int fetches = source.fetches;

    follower.change(outbox().getLast()); // revision 4 while 2 is applied: 3 went missing

    assertThat(source.fetches).isEqualTo(fetches + 1);
    assertThat(follower.status().revision()).isEqualTo(4);
    assertThat(active.current().anonymousAllowed()).isTrue();
    assertThat(observer.events).contains("gap at 2 for 4");
  }

  @Test
  void aChangeThatDoesNotFitFetchesTheSnapshot() {
    aliceMayReachA();
    follower.start();
    var forged =
        new OutboxEntry(3, 2, new PolicyChange.RuleDeleted(RuleId.random()), StateFixtures.T0);

    follower.change(forged);

    assertThat(observer.events).contains("inconsistent");
    assertThat(follower.status().revision()).isEqualTo(2);
    assertThat(follower.resyncs()).isEqualTo(2);
  }

  @Test
  void aReconnectResyncsAndAnEqualSnapshotWithAnotherDigestWins() {
    aliceMayReachA();
    follower.start();
    PolicyRevision head = service.snapshot();
    // The same revision, but this copy lost the rule: only a full comparison notices.
    source.override = new PolicyRevision(head.revision(), head.settings(), head.users(), List.of());
    follower.connected();
    assertThat(aliceAllowed()).isFalse();

    source.override = null;
    follower.connected();

    assertThat(aliceAllowed()).isTrue();
    assertThat(registry.installed).containsExactly(2L, 2L, 2L);
  }

  @Test
  void anOlderSnapshotIsIgnored() {
    aliceMayReachA();
    follower.start();
    PolicyRevision head = service.snapshot();
    source.override = new PolicyRevision(1, head.settings(), head.users(), List.of());

    follower.resync(PolicyFollower.Resync.RECONNECT);

    assertThat(aliceAllowed()).isTrue();
    assertThat(observer.events).contains("stale 1 < 2");
  }

  @Test
  void aPollAsksOnlyForChangesAndCountsAsASync() {
    aliceMayReachA();
    follower.start();
    clock.advance(Duration.ofSeconds(30));
    assertThat(follower.ageSeconds()).isEqualTo(30);

    follower.poll();

    assertThat(source.conditionalFetches).isEqualTo(1);
    assertThat(follower.ageSeconds()).isZero();
    assertThat(registry.installed).containsExactly(2L);

    StoredRule rule = store.read(() -> store.rules().all()).getFirst();
    done(acl.delete(new DeleteRuleCommand(rule.id(), ExpectedVersion.ANY), Actor.SYSTEM));
    follower.poll();

    assertThat(aliceAllowed()).isFalse();
    assertThat(registry.installed).containsExactly(2L, 3L);
  }

  @Test
  void rejectedMessagesAndDisconnectsAreCountedAndKeepThePolicy() {
    aliceMayReachA();
    follower.start();

    follower.rejected("bad signature");
    follower.disconnected("connection reset");

    assertThat(follower.rejectedMessages()).isEqualTo(1);
    assertThat(aliceAllowed()).isTrue();
    assertThat(observer.events).endsWith("rejected bad signature", "disconnected");
  }

  @Test
  void theAsynchronousListenerRunsEventsOnTheExecutor() {
    aliceMayReachA();
    follower.start();
    var queued = new ArrayList<Runnable>();
    var listener = follower.listener(queued::add);

    listener.connected();
    listener.change(outbox().getLast());

    assertThat(queued).hasSize(2);
    int fetches = source.fetches;
    queued.forEach(Runnable::run);
    assertThat(source.fetches).isEqualTo(fetches + 1);
    assertThat(follower.duplicates()).isEqualTo(1);
  }
}
