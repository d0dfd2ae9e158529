package dev.zcproxy.domain.auth;

import static dev.zcproxy.domain.fixtures.TestPolicies.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.zcproxy.domain.fixtures.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuthFailureThrottleTest {

  private static final InetAddress HOME = ip("198.51.100.7");
  private static final InetAddress OFFICE = ip("203.0.113.9");

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final AuthFailureThrottle throttle = new AuthFailureThrottle(clock);

  private void fail(int times, String user, InetAddress source) {
    for (int i = 0; i < times; i++) {
      throttle.recordFailure(user, source);
    }
  }

  @Test
  void lets_attempts_through_below_the_limit() {
    fail(4, "alice", HOME);

    assertThat(throttle.check("alice", HOME)).isEmpty();
  }

  @Test
  void throttles_a_user_name_after_five_failures_until_the_window_passes() {
    fail(1, "alice", HOME);
    clock.advance(Duration.ofSeconds(10));
    fail(4, "alice", ip("192.0.2.1"));

    assertThat(throttle.check("alice", OFFICE)).contains(Duration.ofSeconds(50));
    clock.advance(Duration.ofSeconds(49));
    assertThat(throttle.check("alice", OFFICE)).contains(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.check("alice", OFFICE)).isEmpty();
  }

  @Test
  void the_window_slides_with_the_failures() {
    fail(1, "alice", HOME);
    clock.advance(Duration.ofSeconds(30));
    fail(4, "alice", OFFICE);
    InetAddress elsewhere = ip("192.0.2.1");
    assertThat(throttle.check("alice", elsewhere)).contains(Duration.ofSeconds(30));

    clock.advance(Duration.ofSeconds(30));
    // The first failure has left the window: four remain, so one more attempt is allowed...
    assertThat(throttle.check("alice", elsewhere)).isEmpty();
    fail(1, "alice", elsewhere);
    // ...and five in the window again throttle until the oldest of them is a minute old.
    assertThat(throttle.check("alice", elsewhere)).contains(Duration.ofSeconds(30));
  }

  @Test
  void throttles_a_source_that_fails_for_many_names() {
    for (String user : new String[] {"a", "b", "c", "d", "e"}) {
      fail(1, user, HOME);
    }

    assertThat(throttle.check("alice", HOME)).contains(Duration.ofSeconds(60));
    assertThat(throttle.check("alice", OFFICE)).isEmpty();
  }

  @Test
  void a_success_clears_the_user_but_not_the_source() {
    fail(5, "alice", HOME);

    throttle.recordSuccess("alice");

    assertThat(throttle.check("alice", OFFICE)).isEmpty();
    assertThat(throttle.check("bob", HOME)).isPresent();
  }

  @Test
  void reports_the_longer_of_the_two_waits() {
    fail(5, "alice", OFFICE);
    clock.advance(Duration.ofSeconds(30));
    fail(5, "bob", HOME);

    assertThat(throttle.check("alice", HOME)).contains(Duration.ofSeconds(60));
  }

  @Test
  void counts_an_ipv6_source_by_its_slash_64() {
    fail(5, "x", ip("2001:db8:1:2::1"));

    assertThat(throttle.check("y", ip("2001:db8:1:2:ffff::9"))).isPresent();
    assertThat(throttle.check("y", ip("2001:db8:1:3::1"))).isEmpty();
    assertThat(AuthFailureThrottle.sourceKey(ip("2001:db8:1:2::1")))
        .isEqualTo("2001:db8:1:2:0:0:0:0/64");
    assertThat(AuthFailureThrottle.sourceKey(ip("::ffff:198.51.100.7"))).isEqualTo("198.51.100.7");
  }

  @Test
  void honours_a_custom_limit_and_window() {
    var strict = new AuthFailureThrottle(clock, 2, Duration.ofMinutes(5));
    strict.recordFailure("alice", HOME);
    strict.recordFailure("alice", HOME);

    assertThat(strict.check("alice", OFFICE)).contains(Duration.ofMinutes(5));
  }

  @Test
  void keeps_memory_bounded() {
    var bounded = new AuthFailureThrottle(clock, 5, Duration.ofSeconds(60), 50);
    for (int i = 0; i < 1_000; i++) {
      bounded.recordFailure("user" + i, ip("198.51.100." + (i % 256)));
    }

    assertThat(bounded.trackedKeys()).isLessThanOrEqualTo(100);
  }

  @Test
  void forgets_failures_once_they_expire() {
    var bounded = new AuthFailureThrottle(clock, 5, Duration.ofSeconds(60), 10);
    for (int i = 0; i < 10; i++) {
      bounded.recordFailure("user" + i, HOME);
    }
    clock.advance(Duration.ofSeconds(61));
    bounded.recordFailure("late", OFFICE);

    assertThat(bounded.trackedKeys()).isEqualTo(3); // late, plus HOME and OFFICE
  }

  @Test
  void refuses_nonsense_settings() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new AuthFailureThrottle(clock, 0, Duration.ofSeconds(1)));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new AuthFailureThrottle(clock, 5, Duration.ZERO));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new AuthFailureThrottle(clock, 5, Duration.ofSeconds(1), 0));
  }
}
