package dev.zcproxy.outbound.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FeedReconnectTest {

  private final List<String> disconnects = new ArrayList<>();
  private final PolicyFeed.Listener listener =
      new PolicyFeed.Listener() {
        @Override
        public void connected() {}

        @Override
        public void change(OutboxEntry entry) {}

        @Override
        public void rejected(String reason) {}

        @Override
        public void disconnected(String reason) {
          disconnects.add(reason);
        }
      };
  private final FeedReconnect reconnect =
      new FeedReconnect("Broker at tcp://x:1", LoggerFactory.getLogger(FeedReconnectTest.class));

  @Test
  void theListenerHearsOnlyOfALostSubscriptionNotOfAFailedAttempt() {
    assertThat(reconnect.ended(false, "refused", listener)).isTrue();
    assertThat(disconnects).isEmpty();

    assertThat(reconnect.ended(true, "reset", listener)).isTrue();
    assertThat(disconnects).containsExactly("Broker at tcp://x:1: reset");
  }

  @Test
  void anInterruptedWaitEndsTheFeedAndKeepsTheInterrupt() {
    Thread.currentThread().interrupt();
    try {
      assertThat(reconnect.ended(false, "refused", listener)).isFalse();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
