package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.OutboxEntry;

/**
 * The proxy's subscription to published policy changes. The adapter connects, reconnects on its own
 * after a failure, decodes and verifies each message, and hands the listener what it received in
 * broker order, one call at a time. It never decides whether a change applies: the listener checks
 * the revision chain and falls back to a full snapshot on any gap.
 */
public interface PolicyFeed extends AutoCloseable {

  /** Starts delivering to {@code listener}; returns at once, connecting in the background. */
  void start(Listener listener);

  /** Stops delivering and releases the connection; idempotent. */
  @Override
  void close();

  /** Receives the feed's events; calls never overlap. */
  interface Listener {

    /**
     * The subscription is (again) in place. Changes published while it was not are lost to this
     * subscriber, so the listener reloads the snapshot after this.
     */
    void connected();

    /** A change that decoded and whose signature checked. */
    void change(OutboxEntry entry);

    /**
     * A message that was malformed, unsigned, forged or of an unknown kind; it was dropped. {@code
     * reason} is fit for a log line (it never holds the message body).
     */
    void rejected(String reason);

    /** The connection was lost; the adapter keeps trying to reconnect. */
    void disconnected(String reason);
  }
}
