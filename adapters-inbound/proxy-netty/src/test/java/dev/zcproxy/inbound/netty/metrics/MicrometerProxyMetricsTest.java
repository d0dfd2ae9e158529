package dev.zcproxy.inbound.netty.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicrometerProxyMetricsTest {
  private static final List<String> PROTOCOLS = List.of("socks4", "socks5", "http", "h2");
  private static final List<String> RELAYS = List.of("copy", "splice");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double active(String protocol, String relay) {
    return registry
        .get("zcproxy.tunnels.active")
        .tags("protocol", protocol, "relay", relay)
        .gauge()
        .value();
  }

  @Test
  void known_protocols_are_visible_before_any_traffic() {
    new MicrometerProxyMetrics(registry, PROTOCOLS, RELAYS);

    assertThat(registry.get("zcproxy.connections").tag("protocol", "socks4").counter().count())
        .isZero();
    assertThat(active("socks5", "copy")).isZero();
    assertThat(active("socks5", "splice")).isZero();
  }

  @Test
  void tunnels_and_bytes_are_counted_per_protocol_relay_and_direction() {
    MicrometerProxyMetrics metrics = new MicrometerProxyMetrics(registry, PROTOCOLS, RELAYS);

    metrics.tunnelOpened("socks5", "copy");
    metrics.tunnelOpened("socks5", "copy");
    metrics.tunnelClosed("socks5", "copy");
    metrics.tunnelOpened("socks5", "splice");
    metrics.bytesRelayed("socks5", "copy", "upstream", 100);
    metrics.bytesRelayed("socks5", "copy", "upstream", 20);
    metrics.bytesRelayed("socks5", "copy", "downstream", 7);
    metrics.bytesRelayed("socks5", "splice", "downstream", 5);

    assertThat(active("socks5", "copy")).isEqualTo(1);
    assertThat(active("socks5", "splice")).isEqualTo(1);
    assertThat(bytes("copy", "upstream")).isEqualTo(120);
    assertThat(bytes("copy", "downstream")).isEqualTo(7);
    assertThat(bytes("splice", "downstream")).isEqualTo(5);
    assertThat(bytes("splice", "upstream")).isZero();
  }

  private double bytes(String relay, String direction) {
    return registry
        .get("zcproxy.bytes.relayed")
        .tags("protocol", "socks5", "relay", relay, "direction", direction)
        .counter()
        .count();
  }

  @Test
  void a_later_instance_on_the_same_registry_owns_the_gauges_after_close() {
    MicrometerProxyMetrics first = new MicrometerProxyMetrics(registry, PROTOCOLS, RELAYS);
    first.tunnelOpened("socks4", "copy");
    first.close();

    MicrometerProxyMetrics second = new MicrometerProxyMetrics(registry, PROTOCOLS, RELAYS);
    second.tunnelOpened("socks4", "copy");
    second.tunnelOpened("socks4", "copy");

    assertThat(active("socks4", "copy")).isEqualTo(2);
  }

  @Test
  void counters_survive_a_restart() {
    MicrometerProxyMetrics first = new MicrometerProxyMetrics(registry, PROTOCOLS, RELAYS);
    first.connectionRejected("socks5", "user_limit");
    first.close();
    new MicrometerProxyMetrics(registry, PROTOCOLS, RELAYS)
        .connectionRejected("socks5", "user_limit");

    assertThat(
            registry
                .get("zcproxy.connections.rejected")
                .tags("protocol", "socks5", "reason", "user_limit")
                .counter()
                .count())
        .isEqualTo(2);
  }
}
