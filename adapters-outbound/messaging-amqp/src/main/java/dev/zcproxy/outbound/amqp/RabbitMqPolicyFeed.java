package dev.zcproxy.outbound.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.outbound.wire.FeedReconnect;
import dev.zcproxy.outbound.wire.PolicyMessageHeaders;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import dev.zcproxy.outbound.wire.SafeFeedListener;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxy's subscription to the RabbitMQ fanout exchange {@code zcproxy.policy}: an exclusive,
 * server-named, auto-delete queue bound to it (changes published while the proxy is away are lost
 * to it; the listener reloads the snapshot after every {@code connected()}). One thread of its own
 * connects, takes the deliveries, verifies each message's signature and calls the listener, so
 * calls never overlap; after a lost connection (a broker restart, a connection closed by an
 * operator, missed heartbeats) it connects again with exponential backoff, declares a new queue and
 * calls {@code connected()} again.
 */
public final class RabbitMqPolicyFeed implements PolicyFeed {

  private static final Logger LOG = LoggerFactory.getLogger(RabbitMqPolicyFeed.class);

  /** Larger than any real change; RabbitMQ itself caps messages at 128 MiB by default. */
  static final int MAX_BODY_BYTES = 4 << 20;

  /** What the consumer hands the feed's thread. */
  private sealed interface Event {
    record Delivery(byte[] body, AMQP.BasicProperties properties) implements Event {}

    record Lost(String reason) implements Event {}
  }

  private final URI broker;
  private final String exchange;
  private final PolicyMessageVerifier verifier;
  private final ConnectionFactory factory;
  private final AtomicReference<Connection> current = new AtomicReference<>();
  private volatile boolean closed;
  private Thread worker;

  private RabbitMqPolicyFeed(URI broker, String exchange, PolicyMessageVerifier verifier) {
    this.broker = broker;
    this.exchange = RabbitMqConnections.requireExchange(exchange);
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.factory = RabbitMqConnections.factory(broker);
  }

  /**
   * A feed from the exchange {@code zcproxy.policy} of the broker at {@code amqp://...} that
   * accepts only messages {@code verifier} accepts; nothing connects before {@link #start}.
   *
   * @throws IllegalArgumentException when {@code broker} is not an {@code amqp(s)://} URL
   */
  public static RabbitMqPolicyFeed connect(URI broker, PolicyMessageVerifier verifier) {
    return connect(broker, RabbitMqConnections.DEFAULT_EXCHANGE, verifier);
  }

  /** As {@link #connect(URI, PolicyMessageVerifier)}, from another exchange. */
  public static RabbitMqPolicyFeed connect(
      URI broker, String exchange, PolicyMessageVerifier verifier) {
    return new RabbitMqPolicyFeed(broker, exchange, verifier);
  }

  @Override
  public synchronized void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    if (worker != null || closed) {
      throw new IllegalStateException("a feed starts once");
    }
    worker =
        Thread.ofPlatform()
            .name("zcproxy-policy-feed-rabbitmq")
            .daemon()
            .start(() -> run(new SafeFeedListener(listener, LOG)));
  }

  private void run(SafeFeedListener listener) {
    String where = RabbitMqConnections.redacted(broker);
    FeedReconnect reconnect = new FeedReconnect("RabbitMQ at " + where, LOG);
    while (!closed) {
      boolean subscribed = false;
      String reason;
      Connection connection = null;
      BlockingQueue<Event> events = new LinkedBlockingQueue<>();
      try {
        connection = factory.newConnection("zcproxy-policy-feed@" + exchange);
        current.set(connection);
        if (closed) {
          break;
        }
        connection.addShutdownListener(shutdown -> events.add(new Event.Lost(describe(shutdown))));
        Channel channel = connection.createChannel();
        RabbitMqConnections.declareExchange(channel, exchange);
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, exchange, "");
        channel.basicConsume(
            queue,
            true,
            new DefaultConsumer(channel) {
              @Override
              public void handleDelivery(
                  String consumerTag,
                  Envelope envelope,
                  AMQP.BasicProperties properties,
                  byte[] body) {
                events.add(new Event.Delivery(body, properties));
              }

              @Override
              public void handleCancel(String consumerTag) {
                events.add(new Event.Lost("the broker cancelled the subscription"));
              }
            });
        subscribed = true;
        reconnect.subscribed();
        LOG.info("subscribed to policy changes on exchange {} of RabbitMQ at {}", exchange, where);
        listener.connected();
        reason = null;
        while (!closed && reason == null) {
          Event event = events.poll(500, TimeUnit.MILLISECONDS);
          switch (event) {
            case null -> {}
            case Event.Delivery(byte[] body, AMQP.BasicProperties properties) ->
                deliver(body, properties, listener);
            case Event.Lost(String lost) -> reason = lost;
          }
        }
      } catch (IOException | TimeoutException | RuntimeException failure) {
        reason = RabbitMqConnections.describe(failure);
      } catch (InterruptedException interrupted) {
        break;
      } finally {
        current.set(null);
        abort(connection);
      }
      if (closed) {
        break;
      }
      if (!reconnect.ended(subscribed, reason, listener)) {
        break;
      }
    }
  }

  private void deliver(byte[] body, AMQP.BasicProperties properties, SafeFeedListener listener) {
    if (body.length > MAX_BODY_BYTES) {
      listener.rejected(
          "a message of " + body.length + " bytes, over the limit of " + MAX_BODY_BYTES);
      return;
    }
    Map<String, Object> headers =
        properties.getHeaders() == null ? Map.of() : properties.getHeaders();
    var verdict =
        verifier.verify(
            body,
            text(headers.get(PolicyMessageHeaders.KEY_ID)),
            text(headers.get(PolicyMessageHeaders.SIGNATURE)));
    switch (verdict) {
      case PolicyMessageVerifier.Verdict.Accepted(var entry) -> listener.change(entry);
      case PolicyMessageVerifier.Verdict.Rejected(var reason) -> listener.rejected(reason);
    }
  }

  /** AMQP 0-9-1 header strings arrive as {@code LongString}, which is not a {@code String}. */
  private static String text(Object header) {
    return header == null ? null : header.toString();
  }

  private static String describe(ShutdownSignalException shutdown) {
    Object reason = shutdown.getReason();
    if (reason instanceof com.rabbitmq.client.AMQP.Connection.Close close) {
      return "closed by the broker: " + close.getReplyText();
    }
    return RabbitMqConnections.describe(shutdown);
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
    abort(current.getAndSet(null));
    if (running != null) {
      running.interrupt();
      try {
        running.join(Duration.ofSeconds(10));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void abort(Connection connection) {
    if (connection != null) {
      try {
        connection.abort(2_000);
      } catch (RuntimeException ignored) {
        // The connection is going away either way.
      }
    }
  }
}
