package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.contract.RecordingFeedListener;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryPolicyBroker;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.port.out.StoreUnavailableException;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PublishPolicyChangesServiceTest {

  private final InMemoryStore memory = new InMemoryStore();
  private final StorePorts store = memory.ports();
  private final InMemoryPolicyBroker broker = new InMemoryPolicyBroker();
  private final PublishPolicyChangesService relay =
      new PublishPolicyChangesService(
          memory, store.outbox(), broker.publisher(), new MutableClock(T0), 3);

  @AfterEach
  void closeBroker() {
    broker.close();
  }

  @Test
  void publishesEveryPendingEntryInRevisionOrderInBatchesAndMarksThem() {
    RecordingFeedListener listener = subscribe();
    List<OutboxEntry> written = append(7);

    PublishPolicyChangesService.Run run = relay.publishPending();

    assertThat(run).isEqualTo(new PublishPolicyChangesService.Run.Caught(7, 0));
    await().atMost(Duration.ofSeconds(30)).until(() -> listener.changes().size() == 7);
    assertThat(listener.changes()).containsExactlyElementsOf(written);
    assertThat(store.read(() -> store.outbox().unpublished(10))).isEmpty();
    assertThat(relay.publishPending()).isEqualTo(new PublishPolicyChangesService.Run.Caught(0, 0));
  }

  @Test
  void whileTheBrokerIsDownNothingIsMarkedAndTheLagIsReported() {
    List<OutboxEntry> written = append(2);
    broker.down(true);

    PublishPolicyChangesService.Run run = relay.publishPending();

    assertThat(run).isInstanceOf(PublishPolicyChangesService.Run.BrokerDown.class);
    assertThat(run.published()).isZero();
    assertThat(run.lag()).isEqualTo(written.getLast().revision());
    assertThat(store.read(() -> store.outbox().unpublished(10))).isEqualTo(written);

    broker.down(false);
    assertThat(relay.publishPending().published()).isEqualTo(2);
  }

  @Test
  void aBatchPublishedButNotMarkedIsPublishedAgain() {
    RecordingFeedListener listener = subscribe();
    List<OutboxEntry> written = append(2);
    List<List<OutboxEntry>> publishedBatches = new ArrayList<>();
    PolicyChangePublisher storeDiesAfterPublish =
        new PolicyChangePublisher() {
          @Override
          public void publish(List<OutboxEntry> entries) {
            broker.publisher().publish(entries);
            publishedBatches.add(entries);
            memory.unavailable(true);
          }

          @Override
          public void close() {}
        };
    var crashing =
        new PublishPolicyChangesService(
            memory, store.outbox(), storeDiesAfterPublish, new MutableClock(T0), 10);

    assertThatThrownBy(crashing::publishPending).isInstanceOf(StoreUnavailableException.class);
    memory.unavailable(false);
    relay.publishPending();

    await().atMost(Duration.ofSeconds(30)).until(() -> listener.changes().size() == 4);
    assertThat(listener.changes())
        .containsExactly(written.get(0), written.get(1), written.get(0), written.get(1));
    assertThat(publishedBatches).containsExactly(written);
  }

  @Test
  void aBatchSizeBelowOneIsRefused() {
    assertThatThrownBy(
            () ->
                new PublishPolicyChangesService(
                    memory, store.outbox(), broker.publisher(), new MutableClock(T0), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBrokersFailureReasonIsKept() {
    append(1);
    var failing =
        new PublishPolicyChangesService(
            memory,
            store.outbox(),
            new PolicyChangePublisher() {
              @Override
              public void publish(List<OutboxEntry> entries) {
                throw new BrokerUnavailableException("connection refused", null);
              }

              @Override
              public void close() {}
            },
            new MutableClock(T0),
            10);

    assertThat(failing.publishPending())
        .isEqualTo(new PublishPolicyChangesService.Run.BrokerDown(0, 1, "connection refused"));
  }

  private RecordingFeedListener subscribe() {
    RecordingFeedListener listener = new RecordingFeedListener();
    broker.newFeed().start(listener);
    await().atMost(Duration.ofSeconds(30)).until(() -> listener.connects() == 1);
    return listener;
  }

  private List<OutboxEntry> append(int count) {
    return IntStream.range(0, count)
        .mapToObj(
            i ->
                store.write(
                    () -> store.outbox().append(new PolicyChange.UserDeleted("user" + i), T0)))
        .toList();
  }
}
