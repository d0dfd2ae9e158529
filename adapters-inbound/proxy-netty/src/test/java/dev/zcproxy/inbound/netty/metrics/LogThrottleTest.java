package dev.zcproxy.inbound.netty.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The clock is the test's: no waiting, no timing. */
class LogThrottleTest {

  private final AtomicLong nanos = new AtomicLong(-5_000); // nanoTime may be negative
  private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10), nanos::get);

  @Test
  void theFirstEventIsLoggedAndTheRestOfTheIntervalIsCounted() {
    assertThat(throttle.admit()).isZero();
    for (int i = 0; i < 57; i++) {
      advance(Duration.ofMillis(100));
      assertThat(throttle.admit()).isEqualTo(LogThrottle.SUPPRESSED);
    }
  }

  @Test
  void theFirstEventOfTheNextIntervalSaysHowManyWereHeldBack() {
    throttle.admit();
    for (int i = 0; i < 57; i++) {
      throttle.admit();
    }
    advance(Duration.ofSeconds(9));
    assertThat(throttle.admit()).isEqualTo(LogThrottle.SUPPRESSED);

    advance(Duration.ofSeconds(1));
    assertThat(throttle.admit()).isEqualTo(58);
    assertThat(throttle.admit()).isEqualTo(LogThrottle.SUPPRESSED);
  }

  @Test
  void theIntervalRunsFromTheLastLoggedEventNotFromTheFirst() {
    throttle.admit();
    advance(Duration.ofSeconds(25));
    assertThat(throttle.admit()).isZero();

    advance(Duration.ofSeconds(9));
    assertThat(throttle.admit()).isEqualTo(LogThrottle.SUPPRESSED);
    advance(Duration.ofSeconds(1));
    assertThat(throttle.admit()).isEqualTo(1);
  }

  @Test
  void aQuietSpellLogsTheNextEventAtOnceWithNothingHeldBack() {
    throttle.admit();
    advance(Duration.ofHours(1));

    assertThat(throttle.admit()).isZero();
  }

  @Test
  void anIntervalMustBePositive() {
    assertThatThrownBy(() -> new LogThrottle(Duration.ZERO, nanos::get))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }
}
