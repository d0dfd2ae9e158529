package dev.zcproxy.app.state;

import dev.zcproxy.domain.port.out.StoreUnavailableException;
import dev.zcproxy.domain.service.PublishPolicyChangesService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives {@link PublishPolicyChangesService} on one thread of its own: woken after each committed
 * write and every {@code poll} regardless (a change committed by another instance, or one whose
 * wake-up was missed, is published within a poll). While the broker or the database is away it
 * backs off exponentially, up to {@code maxBackoff}, ignoring wake-ups.
 *
 * <p>Meters: {@code zcproxy_state_outbox_lag_revisions} (head revision minus the last published
 * one), {@code zcproxy_state_outbox_published_total}, {@code
 * zcproxy_state_outbox_publish_failures_total}.
 */
final class OutboxRelay implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);

  private final PublishPolicyChangesService service;
  private final Duration poll;
  private final Duration maxBackoff;
  private final Semaphore wakeUps = new Semaphore(0);
  private final AtomicLong lag = new AtomicLong();
  private final Counter published;
  private final Counter failures;
  private volatile boolean closed;
  private Thread worker;

  OutboxRelay(
      PublishPolicyChangesService service,
      MeterRegistry registry,
      Duration poll,
      Duration maxBackoff) {
    this.service = service;
    this.poll = poll;
    this.maxBackoff = maxBackoff;
    Gauge.builder("zcproxy.state.outbox.lag", lag, AtomicLong::get)
        .description("Policy revisions committed but not yet published to the broker")
        .baseUnit("revisions")
        .register(registry);
    published =
        Counter.builder("zcproxy.state.outbox.published")
            .description("Outbox entries published to the broker (a republished one counts again)")
            .register(registry);
    failures =
        Counter.builder("zcproxy.state.outbox.publish.failures")
            .description("Relay runs that stopped because the broker or the database failed")
            .register(registry);
  }

  synchronized void start() {
    if (worker == null) {
      worker = Thread.ofPlatform().name("zcproxy-outbox-relay").daemon().start(this::run);
    }
  }

  /** Asks for a run soon; cheap, never blocks. */
  void wake() {
    if (wakeUps.availablePermits() == 0) {
      wakeUps.release();
    }
  }

  private void run() {
    Duration backoff = FIRST_BACKOFF;
    boolean failing = false;
    while (!closed) {
      String failure = runOnce();
      try {
        if (failure == null) {
          if (failing) {
            LOG.info("publishing policy changes again");
          }
          failing = false;
          backoff = FIRST_BACKOFF;
          wakeUps.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS);
          wakeUps.drainPermits();
        } else {
          failures.increment();
          if (!failing) {
            LOG.warn("cannot publish policy changes, retrying with backoff: {}", failure);
          } else {
            LOG.debug("still cannot publish policy changes: {}", failure);
          }
          failing = true;
          Thread.sleep(backoff);
          backoff =
              backoff.multipliedBy(2).compareTo(maxBackoff) > 0
                  ? maxBackoff
                  : backoff.multipliedBy(2);
        }
      } catch (InterruptedException interrupted) {
        return;
      }
    }
  }

  /** One run; the reason it failed, or null. */
  private String runOnce() {
    try {
      PublishPolicyChangesService.Run run = service.publishPending();
      published.increment(run.published());
      lag.set(run.lag());
      return switch (run) {
        case PublishPolicyChangesService.Run.Caught caught -> null;
        case PublishPolicyChangesService.Run.BrokerDown down -> down.reason();
      };
    } catch (StoreUnavailableException unavailable) {
      return unavailable.getMessage();
    } catch (RuntimeException bug) {
      LOG.error("the outbox relay failed", bug);
      return bug.toString();
    }
  }

  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      closed = true;
      running = worker;
    }
    if (running != null) {
      running.interrupt();
      try {
        running.join(Duration.ofSeconds(10));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
