package dev.zcproxy.outbound.jms;

import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.outbound.wire.FeedReconnect;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import dev.zcproxy.outbound.wire.SafeFeedListener;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy's subscription to the Artemis topic {@code zcproxy.policy}: a non-durable subscriber
 * (changes published while it is away are lost to it; the listener reloads the snapshot after every
 * {@code connected()}). One thread of its own connects, receives, verifies each message's signature
 * and calls the listener, so calls never overlap; after a lost connection it reconnects with
 * exponential backoff.
 */
public final class ArtemisPolicyFeed implements PolicyFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ArtemisPolicyFeed.class);

  private static final long RECEIVE_MILLIS = 500;

  private final URI broker;
  private final PolicyMessageVerifier verifier;
  private final ActiveMQConnectionFactory factory;
  private final AtomicReference<Connection> current = new AtomicReference<>();
  private volatile boolean closed;
  private Thread worker;

  private ArtemisPolicyFeed(URI broker, PolicyMessageVerifier verifier) {
    this.broker = broker;
    this.verifier = verifier;
    this.factory = new ActiveMQConnectionFactory(ArtemisUris.clientUrl(broker));
  }

  /**
   * A feed from the Artemis broker at {@code tcp://host:port} that accepts only messages {@code
   * verifier} accepts; nothing connects before {@link #start}.
   *
   * @throws IllegalArgumentException when {@code broker} is not {@code tcp://host:port}
   */
  public static ArtemisPolicyFeed connect(URI broker, PolicyMessageVerifier verifier) {
    return new ArtemisPolicyFeed(
        ArtemisUris.requireTcp(broker), Objects.requireNonNull(verifier, "verifier"));
  }

  @Override
  public synchronized void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    if (worker != null || closed) {
      throw new IllegalStateException("a feed starts once");
    }
    worker =
        Thread.ofPlatform()
            .name("zcproxy-policy-feed-artemis")
            .daemon()
            .start(() -> run(new SafeFeedListener(listener, LOG)));
  }

  private void run(SafeFeedListener listener) {
    FeedReconnect reconnect = new FeedReconnect("Artemis at " + broker, LOG);
    while (!closed) {
      boolean subscribed = false;
      String reason;
      Connection connection = null;
      try {
        connection = factory.createConnection();
        AtomicReference<String> lost = new AtomicReference<>();
        connection.setExceptionListener(failure -> lost.compareAndSet(null, describe(failure)));
        current.set(connection);
        if (closed) {
          break;
        }
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer =
            session.createConsumer(session.createTopic(ArtemisPolicyChangePublisher.TOPIC));
        connection.start();
        subscribed = true;
        reconnect.subscribed();
        LOG.info("subscribed to policy changes on Artemis at {}", broker);
        listener.connected();
        while (!closed && lost.get() == null) {
          Message message = consumer.receive(RECEIVE_MILLIS);
          if (message != null) {
            deliver(message, listener);
          }
        }
        reason = lost.get();
      } catch (JMSException | RuntimeException failure) {
        reason = describe(failure);
      } finally {
        current.set(null);
        closeQuietly(connection);
      }
      if (closed) {
        break;
      }
      if (!reconnect.ended(subscribed, reason, listener)) {
        break;
      }
    }
  }

  private void deliver(Message message, SafeFeedListener listener) throws JMSException {
    if (!(message instanceof BytesMessage bytes)) {
      listener.rejected("a message that is not a bytes message: " + message.getClass().getName());
      return;
    }
    long length = bytes.getBodyLength();
    if (length > MAX_BODY_BYTES) {
      listener.rejected("a message of " + length + " bytes, over the limit of " + MAX_BODY_BYTES);
      return;
    }
    byte[] body = new byte[(int) length];
    bytes.readBytes(body);
    var verdict =
        verifier.verify(
            body,
            property(message, PolicyMessageHeaders.KEY_ID),
            property(message, PolicyMessageHeaders.SIGNATURE));
    switch (verdict) {
      case PolicyMessageVerifier.Verdict.Accepted(var entry) -> listener.change(entry);
      case PolicyMessageVerifier.Verdict.Rejected(var reason) -> listener.rejected(reason);
    }
  }

  /** Larger than any real change (a rule with thousands of destinations is a few hundred KiB). */
  static final long MAX_BODY_BYTES = 4L << 20;

  private static String property(Message message, String name) throws JMSException {
    Object value = message.getObjectProperty(name);
    return value instanceof String text ? text : null;
  }

  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = worker;
    }
    closeQuietly(current.getAndSet(null));
    if (running != null) {
      running.interrupt();
      try {
        running.join(Duration.ofSeconds(10));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    factory.close();
  }

  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (JMSException | RuntimeException ignored) {
        // The connection is going away either way.
      }
    }
  }

  private static String describe(Throwable failure) {
    return ArtemisPolicyChangePublisher.describe(failure);
  }
}
