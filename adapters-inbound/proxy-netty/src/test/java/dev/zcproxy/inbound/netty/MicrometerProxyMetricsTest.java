package dev.zcproxy.inbound.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerProxyMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double active(String protocol) {
    return registry.get("zcproxy.tunnels.active").tag("protocol", protocol).gauge().value();
  }

  @Test
  void known_protocols_are_visible_before_any_traffic() {
    new MicrometerProxyMetrics(registry);

    assertThat(registry.get("zcproxy.connections").tag("protocol", "socks4").counter().count())
        .isZero();
    assertThat(active("socks5")).isZero();
  }

  @Test
  void tunnels_and_bytes_are_counted_per_protocol_and_direction() {
    MicrometerProxyMetrics metrics = new MicrometerProxyMetrics(registry);

    metrics.tunnelOpened("socks5");
    metrics.tunnelOpened("socks5");
    metrics.tunnelClosed("socks5");
    metrics.bytesRelayed("socks5", "upstream", 100);
    metrics.bytesRelayed("socks5", "upstream", 20);
    metrics.bytesRelayed("socks5", "downstream", 7);

    assertThat(active("socks5")).isEqualTo(1);
    assertThat(
            registry
                .get("zcproxy.bytes.relayed")
                .tags("protocol", "socks5", "direction", "upstream")
                .counter()
                .count())
        .isEqualTo(120);
    assertThat(
            registry
                .get("zcproxy.bytes.relayed")
                .tags("protocol", "socks5", "direction", "downstream")
                .counter()
                .count())
        .isEqualTo(7);
  }

  @Test
  void a_later_instance_on_the_same_registry_owns_the_gauges_after_close() {
    MicrometerProxyMetrics first = new MicrometerProxyMetrics(registry);
    first.tunnelOpened("socks4");
    first.close();

    MicrometerProxyMetrics second = new MicrometerProxyMetrics(registry);
    second.tunnelOpened("socks4");
    second.tunnelOpened("socks4");

    assertThat(active("socks4")).isEqualTo(2);
  }

  @Test
  void counters_survive_a_restart() {
    MicrometerProxyMetrics first = new MicrometerProxyMetrics(registry);
    first.connectionRejected("socks5", "user_limit");
    first.close();
    new MicrometerProxyMetrics(registry).connectionRejected("socks5", "user_limit");

    assertThat(
            registry
                .get("zcproxy.connections.rejected")
                .tags("protocol", "socks5", "reason", "user_limit")
                .counter()
                .count())
        .isEqualTo(2);
  }
}
