package dev.zcproxy.outbound.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.SignedPolicyMessage;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes signed policy changes to a durable RabbitMQ fanout exchange ({@code zcproxy.policy} by
 * default): persistent messages whose message-id is the revision, and publisher confirms, so {@link
 * #publish} returns only once the broker has taken every message of the batch. RabbitMQ has no
 * duplicate detection: a republished revision reaches the proxies twice, and they drop it.
 *
 * <p>Connects on first use; after any failure it drops the connection and connects again on the
 * next {@link #publish}.
 */
public final class RabbitMqPolicyChangePublisher implements PolicyChangePublisher {

  private static final Logger LOG = LoggerFactory.getLogger(RabbitMqPolicyChangePublisher.class);
  private static final long CONFIRM_TIMEOUT_MILLIS = 10_000;

  private final URI broker;
  private final String exchange;
  private final PolicyMessageSigner signer;
  private final ConnectionFactory factory;
  private Connection connection;
  private Channel channel;
  private boolean closed;

  private RabbitMqPolicyChangePublisher(URI broker, String exchange, PolicyMessageSigner signer) {
    this.broker = broker;
    this.exchange = RabbitMqConnections.requireExchange(exchange);
    this.signer = Objects.requireNonNull(signer, "signer");
    this.factory = RabbitMqConnections.factory(broker);
  }

  /**
   * A publisher to the exchange {@code zcproxy.policy} of the broker at {@code amqp://...};
   * connects on the first publish.
   *
   * @throws IllegalArgumentException when {@code broker} is not an {@code amqp(s)://} URL
   */
  public static RabbitMqPolicyChangePublisher connect(URI broker, PolicyMessageSigner signer) {
    return connect(broker, RabbitMqConnections.DEFAULT_EXCHANGE, signer);
  }

  /** As {@link #connect(URI, PolicyMessageSigner)}, to another exchange (tests use their own). */
  public static RabbitMqPolicyChangePublisher connect(
      URI broker, String exchange, PolicyMessageSigner signer) {
    return new RabbitMqPolicyChangePublisher(broker, exchange, signer);
  }

  @Override
  public synchronized void publish(List<OutboxEntry> entries) {
    if (closed) {
      throw new IllegalStateException("publisher closed");
    }
    try {
      Channel channel = channel();
      for (OutboxEntry entry : entries) {
        SignedPolicyMessage signed = signer.sign(entry);
        AMQP.BasicProperties properties =
            new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .contentType("application/json")
                .messageId(Long.toString(signed.revision()))
                .type(signed.kind())
                .headers(
                    Map.of(
                        PolicyMessageHeaders.KEY_ID, signed.keyId(),
                        PolicyMessageHeaders.SIGNATURE, signed.signature(),
                        PolicyMessageHeaders.KIND, signed.kind()))
                .build();
        channel.basicPublish(exchange, "", properties, signed.body());
      }
      channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MILLIS);
    } catch (IOException | TimeoutException | InterruptedException | RuntimeException failed) {
      if (failed instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      disconnect();
      throw new BrokerUnavailableException(
          "cannot publish to RabbitMQ at "
              + RabbitMqConnections.redacted(broker)
              + ": "
              + RabbitMqConnections.describe(failed),
          failed);
    }
  }

  private Channel channel() throws IOException, TimeoutException {
    if (channel == null || !channel.isOpen()) {
      disconnect();
      connection = factory.newConnection("zcproxy-policy-publisher@" + exchange);
      channel = connection.createChannel();
      channel.confirmSelect();
      RabbitMqConnections.declareExchange(channel, exchange);
      LOG.info(
          "publishing policy changes to exchange {} on RabbitMQ at {}",
          exchange,
          RabbitMqConnections.redacted(broker));
    }
    return channel;
  }

  private void disconnect() {
    Connection current = connection;
    connection = null;
    channel = null;
    if (current != null) {
      try {
        current.abort(2_000);
      } catch (RuntimeException ignored) {
        // Already broken: closing is best effort.
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    disconnect();
  }
}
