package dev.zcproxy.outbound.wire;

import dev.zcproxy.domain.port.out.PolicyFeed;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The reconnect rhythm both broker feeds share. When a session ends it says so (in the log, and to
 * the listener when the subscription had been up), waits, and doubles the wait up to a ceiling; a
 * subscription that comes up starts again from the shortest wait. One per feed thread.
 */
public final class FeedReconnect {

  static final Duration FIRST_RETRY = Duration.ofMillis(200);
  static final Duration LAST_RETRY = Duration.ofSeconds(10);

  private final String broker;
  private final Logger log;
  private Duration retry = FIRST_RETRY;

  /**
   * @param broker names the broker for logs and {@code disconnected}, e.g. {@code "Artemis at
   *     tcp://host:61616"} (without a password)
   */
  public FeedReconnect(String broker, Logger log) {
    this.broker = broker;
    this.log = log;
  }

  /** The subscription is up: the next failure waits the shortest time again. */
  public void subscribed() {
    retry = FIRST_RETRY;
  }

  /**
   * A session ended for {@code reason}: reports it and waits before the next attempt.
   *
   * @param subscribed whether the subscription had been up (then the listener hears of the loss)
   * @return false when interrupted while waiting: the feed is closing
   */
  public boolean ended(boolean subscribed, String reason, PolicyFeed.Listener listener) {
    if (subscribed) {
      log.warn("lost the policy subscription on {}: {}", broker, reason);
      listener.disconnected(broker + ": " + reason);
    } else {
      log.warn("cannot subscribe on {} (retry in {}): {}", broker, retry, reason);
    }
    try {
      Thread.sleep(retry);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return false;
    }
    Duration doubled = retry.multipliedBy(2);
    retry = doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
    return true;
  }
}
