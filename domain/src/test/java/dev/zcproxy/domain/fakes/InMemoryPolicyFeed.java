package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A broker subscription in memory, driven by the test: it delivers what is published while it is
 * connected, loses what is published while it is not (as a non-durable subscription does), and can
 * redeliver or deliver out of order on demand. Calls to the listener never overlap: they happen on
 * the test's thread.
 */
public final class InMemoryPolicyFeed implements PolicyFeed {

  private Listener listener;
  private boolean connected;
  private boolean closed;
  private final List<OutboxEntry> lost = new ArrayList<>();

  @Override
  public synchronized void start(Listener listener) {
    if (this.listener != null) {
      throw new IllegalStateException("already started");
    }
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** The subscription comes (back) up. */
  public void connect() {
    connected = true;
    listener.connected();
  }

  public void disconnect(String reason) {
    connected = false;
    listener.disconnected(reason);
  }

  /** Publishes an entry: delivered if connected, lost otherwise. */
  public void publish(OutboxEntry entry) {
    if (connected && !closed) {
      listener.change(entry);
    } else {
      lost.add(entry);
    }
  }

  /** A message that did not decode or verify. */
  public void publishGarbage(String reason) {
    if (connected && !closed) {
      listener.rejected(reason);
    }
  }

  public List<OutboxEntry> lost() {
    return List.copyOf(lost);
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public synchronized void close() {
    closed = true;
    connected = false;
  }
}
