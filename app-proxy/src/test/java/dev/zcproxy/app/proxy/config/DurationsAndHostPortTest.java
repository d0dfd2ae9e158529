package dev.zcproxy.app.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsAndHostPortTest {

  @Test
  void parsesEachUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse(" 5m ")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "s", "10", "10 s", "1.5s", "-1s", "10S", "1d", "1234567890s"})
  void refusesAnythingElse(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void formatsInTheLargestExactUnit() {
    assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
    assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
  }

  @Test
  void parsesAndFormatsHostPorts() throws Exception {
    InetSocketAddress v4 = HostPort.parse("127.0.0.1:1080");
    InetSocketAddress v6 = HostPort.parse("[::1]:0");

    assertThat(v4).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1080));
    assertThat(HostPort.format(v4)).isEqualTo("127.0.0.1:1080");
    assertThat(HostPort.format(v6)).isEqualTo("[0:0:0:0:0:0:0:1]:0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1080", ":1080", "host:", "host:port", "[::1:1080", "[]:1", "a:123456"})
  void refusesMalformedHostPorts(String text) {
    assertThatThrownBy(() -> HostPort.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
