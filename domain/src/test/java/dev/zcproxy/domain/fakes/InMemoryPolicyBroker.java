package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.PolicyBrokerHarness;
import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A broker in memory with the semantics of the real ones that matter to the domain: a topic that
 * fans every message out to the feeds subscribed at that moment, in publish order, each feed on its
 * own delivery thread; messages carry who signed them and with which key id, and a feed hands on
 * only what the trusted key signed. {@link #down(boolean)} makes publishing fail as an unreachable
 * broker does; {@link #breakConnections()} drops every subscription, and the feeds subscribe again.
 */
public final class InMemoryPolicyBroker implements PolicyBrokerHarness {

  /** The key id (and signer) the feeds trust. */
  public static final String TRUSTED_KEY = "state-service";

  /**
   * One message on the topic.
   *
   * @param entry empty when the body does not decode
   * @param keyId the key id property, empty when unsigned
   * @param signedBy who really signed it, empty when unsigned
   */
  public record Message(
      Optional<OutboxEntry> entry,
      String kind,
      Optional<String> keyId,
      Optional<String> signedBy) {}

  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final List<InMemoryFeed> feeds = new CopyOnWriteArrayList<>();
  private final Publisher publisher = new Publisher();
  private volatile boolean down;

  /** While {@code true}, publishing throws {@link BrokerUnavailableException}. */
  public void down(boolean down) {
    this.down = down;
  }

  @Override
  public PolicyChangePublisher publisher() {
    return publisher;
  }

  @Override
  public PolicyFeed newFeed() {
    InMemoryFeed feed = new InMemoryFeed();
    feeds.add(feed);
    return feed;
  }

  @Override
  public boolean dropsDuplicates() {
    return false;
  }

  @Override
  public void sendForged(OutboxEntry entry) {
    send(
        new Message(
            Optional.of(entry),
            entry.change().kind(),
            Optional.of(TRUSTED_KEY),
            Optional.of("attacker")));
  }

  @Override
  public void sendSignedByUnknownKey(OutboxEntry entry) {
    send(
        new Message(
            Optional.of(entry),
            entry.change().kind(),
            Optional.of("attacker"),
            Optional.of("attacker")));
  }

  @Override
  public void sendUnsigned(OutboxEntry entry) {
    send(
        new Message(Optional.of(entry), entry.change().kind(), Optional.empty(), Optional.empty()));
  }

  @Override
  public void sendMalformed() {
    send(signed(Optional.empty(), "user.put"));
  }

  @Override
  public void sendUnknownKind(long revision, long previousRevision) {
    send(signed(Optional.empty(), "user.renamed"));
  }

  @Override
  public void breakConnections() {
    for (Subscription subscription : subscriptions) {
      subscriptions.remove(subscription);
      subscription.feed.lost(subscription);
    }
  }

  @Override
  public void close() {
    feeds.forEach(InMemoryFeed::close);
    publisher.close();
  }

  private static Message signed(Optional<OutboxEntry> entry, String kind) {
    return new Message(entry, kind, Optional.of(TRUSTED_KEY), Optional.of(TRUSTED_KEY));
  }

  private synchronized void send(Message message) {
    if (down) {
      throw new BrokerUnavailableException("the in-memory broker is down", null);
    }
    subscriptions.forEach(subscription -> subscription.deliver(message));
  }

  private final class Publisher implements PolicyChangePublisher {
    @Override
    public void publish(List<OutboxEntry> entries) {
      entries.forEach(entry -> send(signed(Optional.of(entry), entry.change().kind())));
    }

    @Override
    public void close() {}
  }

  private record Subscription(InMemoryFeed feed) {
    void deliver(Message message) {
      feed.receive(this, message);
    }
  }

  /** Delivers on one thread per feed, so listener calls never overlap. */
  private final class InMemoryFeed implements PolicyFeed {
    private final ExecutorService delivery =
        Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().factory());
    private volatile Listener listener;
    private volatile Subscription current;
    private volatile boolean closed;

    @Override
    public synchronized void start(Listener listener) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (this.listener != null) {
        throw new IllegalStateException("already started");
      }
      this.listener = listener;
      subscribe();
    }

    private void subscribe() {
      delivery.execute(
          () -> {
            if (closed) {
              return;
            }
            Subscription subscription = new Subscription(this);
            current = subscription;
            subscriptions.add(subscription);
            listener.connected();
          });
    }

    void receive(Subscription from, Message message) {
      if (closed) {
        return;
      }
      delivery.execute(
          () -> {
            if (closed || from != current) {
              return;
            }
            if (message.keyId().isEmpty()) {
              listener.rejected("unsigned message");
            } else if (!message.keyId().get().equals(TRUSTED_KEY)) {
              listener.rejected("signed with unknown key " + message.keyId().get());
            } else if (!message.signedBy().equals(message.keyId())) {
              listener.rejected("bad signature");
            } else if (message.entry().isEmpty()) {
              listener.rejected("malformed message of kind " + message.kind());
            } else {
              listener.change(message.entry().get());
            }
          });
    }

    void lost(Subscription subscription) {
      if (closed) {
        return;
      }
      delivery.execute(
          () -> {
            if (closed || subscription != current) {
              return;
            }
            current = null;
            listener.disconnected("the in-memory broker dropped the subscription");
          });
      subscribe();
    }

    @Override
    public synchronized void close() {
      closed = true;
      Subscription subscription = current;
      if (subscription != null) {
        subscriptions.remove(subscription);
      }
      delivery.shutdown();
    }
  }
}
