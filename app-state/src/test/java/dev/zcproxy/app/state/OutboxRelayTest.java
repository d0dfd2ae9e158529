package dev.zcproxy.app.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.contract.RecordingFeedListener;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryPolicyBroker;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.service.PublishPolicyChangesService;
import dev.zcproxy.domain.state.PolicyChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutboxRelayTest {

  /** Longer than any test: whatever is published in time was published because of a wake-up. */
  private static final Duration NEVER = Duration.ofHours(1);

  private final InMemoryStore memory = new InMemoryStore();
  private final StorePorts store = memory.ports();
  private final InMemoryPolicyBroker broker = new InMemoryPolicyBroker();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingFeedListener listener = new RecordingFeedListener();
  private OutboxRelay relay;

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
    broker.close();
  }

  @Test
  void aCommittedWriteWakesTheRelayWithoutWaitingForThePoll() {
    relay = relay(NEVER);
    var unitOfWork = new CommitSignallingUnitOfWork(memory, relay::wake);
    subscribe();
    // Published by the first run, after which the relay is in its (endless) wait.
    unitOfWork.write(
        () -> store.outbox().append(new PolicyChange.UserDeleted("first"), StateFixtures.T0));
    relay.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> counter("zcproxy.state.outbox.published") == 1);

    unitOfWork.write(
        () -> store.outbox().append(new PolicyChange.UserDeleted("a"), StateFixtures.T0));
    unitOfWork.write(
        () -> store.outbox().append(new PolicyChange.UserDeleted("b"), StateFixtures.T0));

    await().atMost(Duration.ofSeconds(30)).until(() -> listener.changes().size() == 3);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> counter("zcproxy.state.outbox.published") == 3);
    // A run counts what it published a moment before it sets the lag: wait for the lag.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(registry.get("zcproxy.state.outbox.lag").gauge().value()).isZero());
  }

  @Test
  void whileTheBrokerIsDownTheRelayBacksOffCountsFailuresAndCatchesUpAlone() {
    broker.down(true);
    relay = relay(Duration.ofMillis(100));
    subscribe();
    var entry =
        store.write(
            () -> store.outbox().append(new PolicyChange.UserDeleted("a"), StateFixtures.T0));
    relay.start();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> counter("zcproxy.state.outbox.publish.failures") >= 2);
    assertThat(registry.get("zcproxy.state.outbox.lag").gauge().value())
        .isEqualTo((double) entry.revision());
    assertThat(listener.changes()).isEmpty();

    broker.down(false);

    await().atMost(Duration.ofSeconds(60)).until(() -> listener.changes().size() == 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> registry.get("zcproxy.state.outbox.lag").gauge().value() == 0);
  }

  private OutboxRelay relay(Duration poll) {
    return new OutboxRelay(
        new PublishPolicyChangesService(
            memory, store.outbox(), broker.publisher(), Clock.systemUTC(), 10),
        registry,
        poll,
        Duration.ofSeconds(1));
  }

  private void subscribe() {
    broker.newFeed().start(listener);
    await().atMost(Duration.ofSeconds(30)).until(() -> listener.connects() == 1);
  }

  private double counter(String name) {
    return registry.get(name).counter().count();
  }
}
