package dev.zcproxy.outbound.amqp;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.contract.RecordingFeedListener;
import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RabbitMqPolicyChangePublisherTest {

  private final RabbitMqHarness harness = new RabbitMqHarness();

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void messagesCarryTheRevisionAsMessageIdAndAreConfirmed() {
    RecordingFeedListener listener = new RecordingFeedListener();
    harness.newFeed().start(listener);
    await().atMost(Duration.ofSeconds(60)).until(() -> listener.connects() == 1);
    OutboxEntry entry = new OutboxEntry(41, 40, new PolicyChange.UserDeleted("alice"), T0);

    harness.publisher().publish(List.of(entry));

    await().atMost(Duration.ofSeconds(60)).until(() -> listener.changes().size() == 1);
    assertThat(listener.changes()).containsExactly(entry);
  }

  @Test
  void anUnreachableBrokerIsReportedWithoutThePassword() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    URI nowhere = URI.create("amqp://guest:secret@127.0.0.1:" + closedPort + "/");
    try (var publisher =
        RabbitMqPolicyChangePublisher.connect(
            nowhere, new PolicyMessageSigner(PolicySigningKey.generate()))) {
      assertThatThrownBy(
              () ->
                  publisher.publish(
                      List.of(new OutboxEntry(1, 0, new PolicyChange.SettingsChanged(true), T0))))
          .isInstanceOf(BrokerUnavailableException.class)
          .hasMessageContaining("127.0.0.1:" + closedPort)
          .hasMessageNotContaining("secret");
    }
  }

  @Test
  void aFeedKeepsTryingUntilTheBrokerIsThereAndClosesCleanly() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    var feed =
        RabbitMqPolicyFeed.connect(
            URI.create("amqp://guest:guest@127.0.0.1:" + closedPort + "/"),
            new PolicyMessageVerifier(harness.key.verificationKey()));
    RecordingFeedListener listener = new RecordingFeedListener();
    feed.start(listener);

    feed.close();

    assertThat(listener.connects()).isZero();
    assertThat(listener.disconnects()).isEmpty();
  }

  @Test
  void onlyAmqpUrlsAreBrokerAddresses() {
    var signer = new PolicyMessageSigner(harness.key);
    for (String bad : List.of("tcp://127.0.0.1:61616", "http://127.0.0.1:5672/")) {
      assertThatThrownBy(() -> RabbitMqPolicyChangePublisher.connect(URI.create(bad), signer))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("amqp://");
    }
    assertThatThrownBy(
            () ->
                RabbitMqPolicyChangePublisher.connect(
                    URI.create("amqp://127.0.0.1/"), "bad exchange name", signer))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
