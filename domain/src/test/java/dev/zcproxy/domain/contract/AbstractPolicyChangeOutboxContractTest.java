package dev.zcproxy.domain.contract;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static dev.zcproxy.domain.contract.StateFixtures.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.RuleId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@code PolicyChangeOutbox} (and the {@code UnitOfWork} it is used in) must do:
 * revisions chain in commit order, a rolled-back change leaves no trace, reads are consistent.
 * Subclasses supply a fresh, empty store per test.
 */
public abstract class AbstractPolicyChangeOutboxContractTest {

  protected StorePorts store;

  protected abstract StorePorts emptyStore();

  @BeforeEach
  void openStore() {
    store = emptyStore();
  }

  @Test
  void headRevisionIsZeroBeforeAnyChange() {
    assertThat(store.read(() -> store.outbox().headRevision())).isZero();
    assertThat(store.read(() -> store.outbox().unpublished(10))).isEmpty();
  }

  @Test
  void appendsChainEachRevisionToThePreviousOne() {
    OutboxEntry first = append(new PolicyChange.UserDeleted("alice"));
    OutboxEntry second = append(new PolicyChange.UserDeleted("bob"));

    assertThat(first.previousRevision()).isZero();
    assertThat(second.revision()).isGreaterThan(first.revision());
    assertThat(second.previousRevision()).isEqualTo(first.revision());
    assertThat(store.read(() -> store.outbox().headRevision())).isEqualTo(second.revision());
  }

  @Test
  void everyKindOfChangeRoundTrips() {
    RuleId id = RuleId.random();
    List<PolicyChange> changes =
        List.of(
            new PolicyChange.UserPut(
                new User("alice", StateFixtures.HASH, Set.of("staff", "ops"), false)),
            new PolicyChange.UserPut(
                new User("bob", new PasswordHash("{plain}pw"), Set.of(), true)),
            new PolicyChange.UserDeleted("carol"),
            new PolicyChange.RulePut(id, 3, StateFixtures.everyForm()),
            new PolicyChange.RuleMoved(id, 1),
            new PolicyChange.RuleDeleted(id),
            new PolicyChange.SettingsChanged(true));
    List<OutboxEntry> written = changes.stream().map(this::append).toList();

    assertThat(store.read(() -> store.outbox().unpublished(100)))
        .containsExactlyElementsOf(written);
  }

  @Test
  void aRolledBackWriteLeavesNoEntryAndTheChainContinuesFromTheLastCommit() {
    OutboxEntry committed = append(new PolicyChange.UserDeleted("alice"));

    assertThatThrownBy(
            () ->
                store.writeAll(
                    () -> {
                      store.outbox().append(new PolicyChange.UserDeleted("bob"), T0);
                      store.users().insert(user("bob", 1));
                      throw new IllegalStateException("the work failed");
                    }))
        .hasMessage("the work failed");
    OutboxEntry next = append(new PolicyChange.UserDeleted("carol"));

    assertThat(store.read(() -> store.users().find("bob"))).isEmpty();
    assertThat(store.read(() -> store.outbox().unpublished(10))).containsExactly(committed, next);
    assertThat(next.previousRevision()).isEqualTo(committed.revision());
  }

  @Test
  void unpublishedEntriesComeInRevisionOrderUntilMarkedPublished() {
    OutboxEntry first = append(new PolicyChange.SettingsChanged(true));
    OutboxEntry second = append(new PolicyChange.SettingsChanged(false));
    OutboxEntry third = append(new PolicyChange.SettingsChanged(true));

    assertThat(store.read(() -> store.outbox().unpublished(2))).containsExactly(first, second);
    store.writeAll(() -> store.outbox().markPublished(second.revision(), T0));
    assertThat(store.read(() -> store.outbox().unpublished(10))).containsExactly(third);
  }

  @Test
  void concurrentWritesFormOneUnbrokenChain() throws Exception {
    int writers = 4;
    int changesEach = 10;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      var futures = new ArrayList<CompletableFuture<Void>>();
      for (int w = 0; w < writers; w++) {
        futures.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < changesEach; i++) {
                    append(new PolicyChange.SettingsChanged(i % 2 == 0));
                  }
                },
                pool));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    List<OutboxEntry> entries =
        store.read(() -> store.outbox().unpublished(1000)).stream()
            .sorted(Comparator.comparingLong(OutboxEntry::revision))
            .toList();
    assertThat(entries).hasSize(writers * changesEach);
    long previous = 0;
    for (OutboxEntry entry : entries) {
      assertThat(entry.previousRevision()).as("entry %d", entry.revision()).isEqualTo(previous);
      previous = entry.revision();
    }
  }

  @Test
  void aReadSeesOneStateWhateverCommitsMeanwhile() throws Exception {
    append(new PolicyChange.UserDeleted("alice"));
    long[] seen =
        store.read(
            () -> {
              long before = store.outbox().headRevision();
              CompletableFuture.runAsync(() -> append(new PolicyChange.UserDeleted("bob"))).join();
              return new long[] {
                before, store.outbox().headRevision(), store.outbox().unpublished(10).size()
              };
            });

    assertThat(seen[1]).isEqualTo(seen[0]);
    assertThat(seen[2]).isEqualTo(1);
    assertThat(store.read(() -> store.outbox().unpublished(10))).hasSize(2);
  }

  @Test
  void unitsOfWorkDoNotNest() {
    assertThatThrownBy(() -> store.read(() -> store.read(() -> 1)))
        .isInstanceOf(IllegalStateException.class);
  }

  private OutboxEntry append(PolicyChange change) {
    return store.write(() -> store.outbox().append(change, T0));
  }
}
