package dev.zcproxy.outbound.jms;

import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageSigner;
import dev.zcproxy.outbound.wire.SignedPolicyMessage;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes signed policy changes to the Artemis topic {@code zcproxy.policy}: persistent messages,
 * each sent blocking (it returns once the broker has it in its journal), with the duplicate id
 * {@code <keyId>:<revision>}, so the broker drops a revision the relay publishes twice. Not in a
 * transaction on purpose: Artemis rolls back a whole transaction that holds one duplicate, and the
 * relay would then never get past it.
 *
 * <p>Connects on first use; after any failure it drops the connection and connects again on the
 * next {@link #publish}. Calls must not overlap (the relay is one thread).
 */
public final class ArtemisPolicyChangePublisher implements PolicyChangePublisher {

  private static final Logger LOG = LoggerFactory.getLogger(ArtemisPolicyChangePublisher.class);

  /** The multicast address every proxy subscribes to. */
  public static final String TOPIC = "zcproxy.policy";

  /** Artemis's duplicate-detection property ({@code Message.HDR_DUPLICATE_DETECTION_ID}). */
  static final String DUPLICATE_ID = "_AMQ_DUPL_ID";

  private final URI broker;
  private final PolicyMessageSigner signer;
  private final ActiveMQConnectionFactory factory;
  private Connection connection;
  private Session session;
  private MessageProducer producer;
  private boolean closed;

  private ArtemisPolicyChangePublisher(URI broker, PolicyMessageSigner signer) {
    this.broker = broker;
    this.signer = signer;
    this.factory = new ActiveMQConnectionFactory(ArtemisUris.clientUrl(broker));
  }

  /**
   * A publisher to the Artemis broker at {@code tcp://host:port}; connects on the first publish.
   *
   * @throws IllegalArgumentException when {@code broker} is not {@code tcp://host:port}
   */
  public static ArtemisPolicyChangePublisher connect(URI broker, PolicyMessageSigner signer) {
    return new ArtemisPolicyChangePublisher(
        ArtemisUris.requireTcp(broker), Objects.requireNonNull(signer, "signer"));
  }

  @Override
  public synchronized void publish(List<OutboxEntry> entries) {
    if (closed) {
      throw new IllegalStateException("publisher closed");
    }
    try {
      MessageProducer producer = producer();
      for (OutboxEntry entry : entries) {
        SignedPolicyMessage signed = signer.sign(entry);
        BytesMessage message = session.createBytesMessage();
        message.writeBytes(signed.body());
        message.setStringProperty(PolicyMessageHeaders.KEY_ID, signed.keyId());
        message.setStringProperty(PolicyMessageHeaders.SIGNATURE, signed.signature());
        message.setStringProperty(PolicyMessageHeaders.KIND, signed.kind());
        message.setStringProperty(DUPLICATE_ID, signed.keyId() + ":" + signed.revision());
        producer.send(message);
      }
    } catch (JMSException | RuntimeException failed) {
      disconnect();
      throw new BrokerUnavailableException(
          "cannot publish to Artemis at " + broker + ": " + describe(failed), failed);
    }
  }

  private MessageProducer producer() throws JMSException {
    if (producer == null) {
      connection = factory.createConnection();
      session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      producer = session.createProducer(session.createTopic(TOPIC));
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      LOG.info("publishing policy changes to Artemis at {}", broker);
    }
    return producer;
  }

  private void disconnect() {
    Connection current = connection;
    connection = null;
    session = null;
    producer = null;
    if (current != null) {
      try {
        current.close();
      } catch (JMSException | RuntimeException ignored) {
        // Already broken: closing is best effort.
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    disconnect();
    factory.close();
  }

  static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message;
  }
}
