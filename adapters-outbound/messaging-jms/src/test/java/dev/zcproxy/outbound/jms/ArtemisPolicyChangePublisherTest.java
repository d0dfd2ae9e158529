package dev.zcproxy.outbound.jms;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.contract.RecordingFeedListener;
import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ArtemisPolicyChangePublisherTest {

  private final ArtemisHarness harness;

  ArtemisPolicyChangePublisherTest() throws Exception {
    harness = new ArtemisHarness();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void aStoppedBrokerIsReportedAndPublishingResumesOnceItIsBack() {
    RecordingFeedListener listener = new RecordingFeedListener();
    harness.newFeed().start(listener);
    await().atMost(Duration.ofSeconds(60)).until(() -> listener.connects() == 1);
    OutboxEntry entry = new OutboxEntry(1, 0, new PolicyChange.SettingsChanged(true), T0);

    harness.broker.stop();

    assertThatThrownBy(() -> harness.publisher().publish(List.of(entry)))
        .isInstanceOf(BrokerUnavailableException.class)
        .hasMessageContaining(harness.broker.uri().toString());
    harness.broker.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> listener.connects() == 2);
    harness.publisher().publish(List.of(entry));
    await().atMost(Duration.ofSeconds(60)).until(() -> listener.changes().size() == 1);
    assertThat(listener.changes()).containsExactly(entry);
  }

  @Test
  void theDuplicateCacheSurvivesABrokerRestart() {
    OutboxEntry first = new OutboxEntry(1, 0, new PolicyChange.SettingsChanged(true), T0);
    OutboxEntry second = new OutboxEntry(2, 1, new PolicyChange.SettingsChanged(false), T0);
    harness.publisher().publish(List.of(first));
    harness.broker.stop();
    harness.broker.start();
    RecordingFeedListener listener = new RecordingFeedListener();
    harness.newFeed().start(listener);
    await().atMost(Duration.ofSeconds(60)).until(() -> listener.connects() == 1);

    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreException(BrokerUnavailableException.class)
        .until(
            () -> {
              harness.publisher().publish(List.of(first, second));
              return true;
            });

    await().atMost(Duration.ofSeconds(60)).until(() -> listener.changes().size() >= 1);
    assertThat(listener.changes()).containsExactly(second);
  }

  @Test
  void onlyTcpHostPortIsABrokerAddress() {
    var signer = new PolicyMessageSigner(harness.key);
    var verifier = new PolicyMessageVerifier(harness.key.verificationKey());
    for (String bad : List.of("amqp://127.0.0.1:5672", "tcp://127.0.0.1", "tcp://127.0.0.1:1/x")) {
      assertThatThrownBy(() -> ArtemisPolicyChangePublisher.connect(URI.create(bad), signer))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tcp://host:port");
      assertThatThrownBy(() -> ArtemisPolicyFeed.connect(URI.create(bad), verifier))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
