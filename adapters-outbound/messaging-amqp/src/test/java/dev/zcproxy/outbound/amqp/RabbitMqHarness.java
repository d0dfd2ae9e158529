package dev.zcproxy.outbound.amqp;

import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.zcproxy.domain.contract.PolicyBrokerHarness;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import dev.zcproxy.outbound.wire.TestMessages;
import dev.zcproxy.outbound.wire.TestMessages.RawMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/** The test RabbitMQ with an exchange of this test's own, a signer and a verifier. */
final class RabbitMqHarness implements PolicyBrokerHarness {

  final PolicySigningKey key = PolicySigningKey.generate();
  final String exchange = "zcproxy.policy.test-" + UUID.randomUUID();
  private final TestRabbitMq rabbit = TestRabbitMq.get();
  private final RabbitMqPolicyChangePublisher publisher =
      RabbitMqPolicyChangePublisher.connect(rabbit.uri(), exchange, new PolicyMessageSigner(key));
  private final TestMessages messages = new TestMessages(key);
  private final List<PolicyFeed> feeds = new ArrayList<>();

  @Override
  public RabbitMqPolicyChangePublisher publisher() {
    return publisher;
  }

  @Override
  public synchronized PolicyFeed newFeed() {
    PolicyFeed feed =
        RabbitMqPolicyFeed.connect(
            rabbit.uri(), exchange, new PolicyMessageVerifier(key.verificationKey()));
    feeds.add(feed);
    return feed;
  }

  @Override
  public boolean dropsDuplicates() {
    return false;
  }

  @Override
  public void sendForged(OutboxEntry entry) {
    send(messages.forged(entry));
  }

  @Override
  public void sendSignedByUnknownKey(OutboxEntry entry) {
    send(messages.signedByUnknownKey(entry));
  }

  @Override
  public void sendUnsigned(OutboxEntry entry) {
    send(messages.unsigned(entry));
  }

  @Override
  public void sendMalformed() {
    send(messages.malformed(1_000_000));
  }

  @Override
  public void sendUnknownKind(long revision, long previousRevision) {
    send(messages.unknownKind(revision, previousRevision));
  }

  /** Closes this test's feed and publisher connections from the broker's side. */
  @Override
  public void breakConnections() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> rabbit.closeConnections("zcproxy-policy-feed@" + exchange) > 0);
    rabbit.closeConnections("zcproxy-policy-publisher@" + exchange);
  }

  void send(RawMessage raw) {
    try (Connection connection = RabbitMqConnections.factory(rabbit.uri()).newConnection();
        Channel channel = connection.createChannel()) {
      Map<String, Object> headers = new HashMap<>();
      if (raw.keyId() != null) {
        headers.put(PolicyMessageHeaders.KEY_ID, raw.keyId());
      }
      if (raw.signature() != null) {
        headers.put(PolicyMessageHeaders.SIGNATURE, raw.signature());
      }
      channel.confirmSelect();
      channel.basicPublish(
          exchange,
          "",
          new AMQP.BasicProperties.Builder().deliveryMode(2).headers(headers).build(),
          raw.body());
      channel.waitForConfirmsOrDie(10_000);
    } catch (Exception failed) {
      throw new IllegalStateException(failed);
    }
  }

  @Override
  public synchronized void close() throws IOException, TimeoutException {
    feeds.forEach(PolicyFeed::close);
    publisher.close();
    try (Connection connection = RabbitMqConnections.factory(rabbit.uri()).newConnection();
        Channel channel = connection.createChannel()) {
      channel.exchangeDelete(exchange);
    }
  }
}
