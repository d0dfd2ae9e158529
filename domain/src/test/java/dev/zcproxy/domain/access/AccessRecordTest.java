package dev.zcproxy.domain.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AccessRecordTest {
  private static AccessRecord record(Duration duration, int rule, long up) {
    return new AccessRecord(
        Instant.EPOCH,
        duration,
        null,
        null,
        "socks5",
        AccessCommand.CONNECT,
        null,
        null,
        null,
        rule,
        AccessResult.OK,
        0,
        "copy",
        up,
        0);
  }

  @Test
  void a_negative_or_missing_duration_is_zero() {
    assertThat(record(Duration.ofMillis(-5), 0, 0).duration()).isZero();
    assertThat(record(null, 0, 0).duration()).isZero();
  }

  @Test
  void rejects_impossible_values() {
    assertThatThrownBy(() -> record(Duration.ZERO, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> record(Duration.ZERO, 0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void labels_are_the_logs_words() {
    assertThat(AccessCommand.CONNECT_UDP.label()).isEqualTo("connect-udp");
    assertThat(AccessResult.CLOSED_BY_POLICY.label()).isEqualTo("closed-by-policy");
    assertThat(AccessResult.AUTH_FAILED.label()).isEqualTo("auth-failed");
    assertThat(AccessResult.CLOSED_BY_POLICY.served()).isTrue();
    assertThat(AccessResult.DENIED.served()).isFalse();
  }
}
