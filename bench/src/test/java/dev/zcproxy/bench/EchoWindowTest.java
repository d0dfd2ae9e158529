package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The window's bookkeeping, with a clock the test sets: no timing involved. */
class EchoWindowTest {

  private static final long STALL = 100;

  @Test
  void opens_as_wide_as_its_size_and_takes_one_more_per_echo() {
    EchoWindow window = new EchoWindow(4);
    assertThat(window.credit()).isEqualTo(4);

    window.sent(4, 0);
    assertThat(window.credit()).isZero();

    window.returned(10);
    window.returned(11);
    assertThat(window.credit()).isEqualTo(2);
    assertThat(window.inFlight()).isEqualTo(2);
    assertThat(window.sent()).isEqualTo(4);
    assertThat(window.returned()).isEqualTo(2);
  }

  @Test
  void writes_off_what_is_in_flight_once_nothing_came_back_for_the_stall_time() {
    EchoWindow window = new EchoWindow(4);
    window.sent(4, 0);
    window.returned(50);

    assertThat(window.writeOffIfStalled(50 + STALL - 1, STALL)).isFalse();
    assertThat(window.writeOffIfStalled(50 + STALL, STALL)).isTrue();
    assertThat(window.credit()).isEqualTo(4);
    assertThat(window.stalls()).isEqualTo(1);
    // the clock restarts: the next write-off needs another stall time
    window.sent(4, 150);
    assertThat(window.writeOffIfStalled(150 + STALL - 1, STALL)).isFalse();
  }

  @Test
  void an_empty_window_never_stalls() {
    EchoWindow window = new EchoWindow(2);
    window.sent(2, 0);
    window.returned(1);
    window.returned(2);

    assertThat(window.writeOffIfStalled(1_000_000, STALL)).isFalse();
    assertThat(window.stalls()).isZero();
  }

  @Test
  void a_late_echo_of_a_datagram_written_off_never_opens_the_window_past_its_size() {
    EchoWindow window = new EchoWindow(2);
    window.sent(2, 0);
    window.writeOffIfStalled(STALL, STALL);
    window.sent(2, STALL);

    window.returned(STALL + 1);
    window.returned(STALL + 2);
    window.returned(STALL + 3); // more back than the window thought in flight

    assertThat(window.inFlight()).isZero();
    assertThat(window.credit()).isEqualTo(2);
    assertThat(window.returned()).isEqualTo(3);
  }

  @Test
  void the_stall_clock_starts_with_the_first_datagram_in_flight() {
    EchoWindow window = new EchoWindow(1);
    window.sent(1, 1_000);

    assertThat(window.writeOffIfStalled(1_000 + STALL - 1, STALL)).isFalse();
    assertThat(window.writeOffIfStalled(1_000 + STALL, STALL)).isTrue();
  }

  @Test
  void has_a_positive_size() {
    assertThatThrownBy(() -> new EchoWindow(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
