package dev.zcproxy.domain.contract;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.RuleId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every broker pair of {@code PolicyChangePublisher} and {@code PolicyFeed} must do: published
 * changes reach every subscriber in revision order, republished ones do no harm, messages the state
 * service did not sign are rejected without stopping the feed, and both ends come back by
 * themselves after the broker drops them. Subclasses supply a fresh broker per test.
 */
public abstract class AbstractPolicyChangePublisherContractTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  protected PolicyBrokerHarness broker;
  private long nextRevision = 1;
  private long lastRevision = 0;

  protected abstract PolicyBrokerHarness startBroker() throws Exception;

  @BeforeEach
  void openBroker() throws Exception {
    broker = startBroker();
  }

  @AfterEach
  void closeBroker() throws Exception {
    broker.close();
  }

  @Test
  void publishedChangesReachASubscriberInRevisionOrder() {
    RecordingFeedListener listener = subscribe();
    List<OutboxEntry> first = entries(everyKind());
    List<OutboxEntry> second = entries(List.of(new PolicyChange.SettingsChanged(true)));

    broker.publisher().publish(first);
    broker.publisher().publish(second);

    List<OutboxEntry> all = concat(first, second);
    await().atMost(PATIENCE).until(() -> listener.changes().size() >= all.size());
    assertThat(listener.changes()).containsExactlyElementsOf(all);
    assertThat(listener.rejections()).isEmpty();
    assertThat(listener.overlaps()).isZero();
  }

  @Test
  void everySubscriberGetsEveryChange() {
    RecordingFeedListener one = subscribe();
    RecordingFeedListener two = subscribe();
    List<OutboxEntry> entries = entries(List.of(deleted("a"), deleted("b"), deleted("c")));

    broker.publisher().publish(entries);

    await().atMost(PATIENCE).until(() -> one.changes().size() >= 3 && two.changes().size() >= 3);
    assertThat(one.changes()).containsExactlyElementsOf(entries);
    assertThat(two.changes()).containsExactlyElementsOf(entries);
  }

  @Test
  void aRepublishedBatchDoesNoHarmAndTheOrderHolds() {
    RecordingFeedListener listener = subscribe();
    List<OutboxEntry> batch = entries(List.of(deleted("a"), deleted("b")));
    List<OutboxEntry> next = entries(List.of(deleted("c")));

    broker.publisher().publish(batch);
    broker.publisher().publish(batch); // the relay crashed before it marked the batch published
    broker.publisher().publish(next);

    await().atMost(PATIENCE).until(() -> listener.revisions().contains(next.getFirst().revision()));
    if (broker.dropsDuplicates()) {
      assertThat(listener.changes()).containsExactlyElementsOf(concat(batch, next));
    } else {
      assertThat(new ArrayList<>(new LinkedHashSet<>(listener.changes())))
          .containsExactlyElementsOf(concat(batch, next));
      assertThat(listener.changes().getLast()).isEqualTo(next.getFirst());
    }
  }

  @Test
  void messagesTheStateServiceDidNotSignAreRejectedAndTheFeedStaysUp() {
    RecordingFeedListener listener = subscribe();
    OutboxEntry forged = entry(new PolicyChange.SettingsChanged(true));
    OutboxEntry unknownKey = entry(new PolicyChange.SettingsChanged(true));
    OutboxEntry unsigned = entry(new PolicyChange.SettingsChanged(true));

    broker.sendForged(forged);
    broker.sendSignedByUnknownKey(unknownKey);
    broker.sendUnsigned(unsigned);
    broker.sendMalformed();
    broker.sendUnknownKind(nextRevision++, lastRevision);
    List<OutboxEntry> genuine = entries(List.of(deleted("after")));
    broker.publisher().publish(genuine);

    await().atMost(PATIENCE).until(() -> !listener.changes().isEmpty());
    assertThat(listener.changes()).containsExactlyElementsOf(genuine);
    assertThat(listener.rejections())
        .hasSize(5)
        .allSatisfy(reason -> assertThat(reason).isNotBlank());
    assertThat(listener.disconnects()).isEmpty();
    assertThat(listener.overlaps()).isZero();
  }

  @Test
  void afterTheBrokerDropsEveryoneBothEndsComeBackAndTheFeedSaysConnectedAgain() throws Exception {
    RecordingFeedListener listener = subscribe();
    List<OutboxEntry> before = entries(List.of(deleted("before")));
    broker.publisher().publish(before);
    await().atMost(PATIENCE).until(() -> listener.changes().size() == 1);

    broker.breakConnections();

    await().atMost(PATIENCE).until(() -> listener.connects() >= 2);
    assertThat(listener.disconnects()).isNotEmpty();
    List<OutboxEntry> after = entries(List.of(deleted("after")));
    await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(200))
        .ignoreException(BrokerUnavailableException.class)
        .until(
            () -> {
              broker.publisher().publish(after);
              return true;
            });
    await()
        .atMost(PATIENCE)
        .until(() -> listener.revisions().contains(after.getFirst().revision()));
    assertThat(listener.overlaps()).isZero();
  }

  @Test
  void aClosedFeedStopsDelivering() throws Exception {
    RecordingFeedListener open = subscribe();
    RecordingFeedListener closed = new RecordingFeedListener();
    PolicyFeed feed = broker.newFeed();
    feed.start(closed);
    await().atMost(PATIENCE).until(() -> closed.connects() >= 1);

    feed.close();
    feed.close(); // idempotent
    List<OutboxEntry> entries = entries(List.of(deleted("late")));
    broker.publisher().publish(entries);

    await().atMost(PATIENCE).until(() -> open.changes().size() == 1);
    assertThat(closed.changes()).isEmpty();
  }

  /** A started feed whose subscription is in place. */
  protected RecordingFeedListener subscribe() {
    RecordingFeedListener listener = new RecordingFeedListener();
    broker.newFeed().start(listener);
    await().atMost(PATIENCE).until(() -> listener.connects() >= 1);
    return listener;
  }

  private List<OutboxEntry> entries(List<PolicyChange> changes) {
    return changes.stream().map(this::entry).toList();
  }

  private OutboxEntry entry(PolicyChange change) {
    OutboxEntry entry = new OutboxEntry(nextRevision, lastRevision, change, T0);
    lastRevision = nextRevision;
    nextRevision += 1;
    return entry;
  }

  private static PolicyChange deleted(String name) {
    return new PolicyChange.UserDeleted(name);
  }

  private static List<PolicyChange> everyKind() {
    RuleId id = RuleId.random();
    return List.of(
        new PolicyChange.UserPut(new User("alice", StateFixtures.HASH, Set.of("staff"), true)),
        new PolicyChange.UserDeleted("carol"),
        new PolicyChange.RulePut(id, 2, StateFixtures.everyForm()),
        new PolicyChange.RuleMoved(id, 1),
        new PolicyChange.RuleDeleted(id),
        new PolicyChange.SettingsChanged(false));
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    var all = new ArrayList<T>(first);
    all.addAll(second);
    return all;
  }
}
