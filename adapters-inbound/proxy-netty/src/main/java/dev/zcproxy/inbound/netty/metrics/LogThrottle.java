package dev.zcproxy.inbound.netty.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Lets one log line through per interval for an event that can happen thousands of times a second
 * (a failing {@code accept} under load), and counts the ones it held back, so that the next line
 * can say how many there were. The first event is always let through. Thread-safe and lock-free:
 * the event loops share one.
 */
public final class LogThrottle {

  /** What {@link #admit()} answers for an event that must not be logged. */
  public static final long SUPPRESSED = -1;

  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextLine;
  private final LongAdder suppressed = new LongAdder();

  /**
   * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
   */
  public LogThrottle(Duration interval, LongSupplier nanoClock) {
    if (!interval.isPositive()) {
      throw new IllegalArgumentException("the interval must be positive, got " + interval);
    }
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
    this.nextLine = new AtomicLong(nanoClock.getAsLong());
  }

  public LogThrottle(Duration interval) {
    this(interval, System::nanoTime);
  }

  /**
   * Records one event.
   *
   * @return {@link #SUPPRESSED} when it must not be logged; otherwise how many events were held
   *     back since the last one let through
   */
  public long admit() {
    long now = nanoClock.getAsLong();
    long next = nextLine.get();
    if (now - next >= 0 && nextLine.compareAndSet(next, now + intervalNanos)) {
      return suppressed.sumThenReset();
    }
    suppressed.increment();
    return SUPPRESSED;
  }
}
