package dev.zcproxy.inbound.netty.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link ProxyMetrics} on Micrometer. Names use dots; the Prometheus registry renders them as
 * {@code zcproxy_connections_total}, {@code zcproxy_handshake_seconds} and so on. Meters are looked
 * up once per label set and cached, because some of them are hit on every relayed read.
 */
public final class MicrometerProxyMetrics implements ProxyMetrics, AutoCloseable {

  private record Labels(String protocol, String detail) {}

  private record TunnelLabels(String protocol, String relay) {}

  private record ByteLabels(String protocol, String relay, String direction) {}

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> accepted = new ConcurrentHashMap<>();
  private final ConcurrentMap<Labels, Counter> rejected = new ConcurrentHashMap<>();
  private final ConcurrentMap<Labels, Counter> authFailures = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Timer> handshakes = new ConcurrentHashMap<>();
  private final ConcurrentMap<TunnelLabels, AtomicLong> activeTunnels = new ConcurrentHashMap<>();
  private final ConcurrentMap<TunnelLabels, Gauge> activeGauges = new ConcurrentHashMap<>();
  private final ConcurrentMap<ByteLabels, Counter> bytes = new ConcurrentHashMap<>();

  /**
   * @param protocols the protocols served, whose meters exist from the start, so dashboards show
   *     zeros instead of gaps
   * @param relays the relays tunnels may take here ({@code copy}, and {@code splice} where it is
   *     configured), whose meters exist from the start
   */
  public MicrometerProxyMetrics(
      MeterRegistry registry, List<String> protocols, List<String> relays) {
    this.registry = registry;
    for (String protocol : protocols) {
      acceptedCounter(protocol);
      handshakeTimer(protocol);
      for (String relay : relays) {
        activeGauge(new TunnelLabels(protocol, relay));
        bytesCounter(new ByteLabels(protocol, relay, "upstream"));
        bytesCounter(new ByteLabels(protocol, relay, "downstream"));
      }
    }
  }

  @Override
  public void connectionAccepted(String protocol) {
    acceptedCounter(protocol).increment();
  }

  @Override
  public void connectionRejected(String protocol, String reason) {
    rejected
        .computeIfAbsent(
            new Labels(protocol, reason),
            labels ->
                Counter.builder("zcproxy.connections.rejected")
                    .description("Connections the proxy refused or could not serve")
                    .tag("protocol", labels.protocol())
                    .tag("reason", labels.detail())
                    .register(registry))
        .increment();
  }

  @Override
  public void authenticationFailed(String protocol, String reason) {
    authFailures
        .computeIfAbsent(
            new Labels(protocol, reason),
            labels ->
                Counter.builder("zcproxy.auth.failures")
                    .description("Failed client authentications")
                    .tag("protocol", labels.protocol())
                    .tag("reason", labels.detail())
                    .register(registry))
        .increment();
  }

  @Override
  public void handshakeCompleted(String protocol, long nanos) {
    handshakeTimer(protocol).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void tunnelOpened(String protocol, String relay) {
    activeGauge(new TunnelLabels(protocol, relay)).incrementAndGet();
  }

  @Override
  public void tunnelClosed(String protocol, String relay) {
    activeGauge(new TunnelLabels(protocol, relay)).decrementAndGet();
  }

  @Override
  public void bytesRelayed(String protocol, String relay, String direction, long count) {
    bytesCounter(new ByteLabels(protocol, relay, direction)).increment(count);
  }

  private Counter acceptedCounter(String protocol) {
    return accepted.computeIfAbsent(
        protocol,
        p ->
            Counter.builder("zcproxy.connections")
                .description("Client connections accepted, by the protocol they spoke")
                .tag("protocol", p)
                .register(registry));
  }

  private Timer handshakeTimer(String protocol) {
    return handshakes.computeIfAbsent(
        protocol,
        p ->
            Timer.builder("zcproxy.handshake")
                .description("From accept until the tunnel is established")
                .tag("protocol", p)
                .publishPercentileHistogram()
                .register(registry));
  }

  private AtomicLong activeGauge(TunnelLabels labels) {
    // The gauge holds its AtomicLong weakly; this map keeps it alive.
    return activeTunnels.computeIfAbsent(
        labels,
        l -> {
          AtomicLong value = new AtomicLong();
          activeGauges.put(
              l,
              Gauge.builder("zcproxy.tunnels.active", value, AtomicLong::get)
                  .description("Tunnels currently relaying, by the relay that carries them")
                  .tag("protocol", l.protocol())
                  .tag("relay", l.relay())
                  .register(registry));
          return value;
        });
  }

  private Counter bytesCounter(ByteLabels labels) {
    return bytes.computeIfAbsent(
        labels,
        l ->
            Counter.builder("zcproxy.bytes.relayed")
                .description("Bytes relayed; upstream is client to destination")
                .tag("protocol", l.protocol())
                .tag("relay", l.relay())
                .tag("direction", l.direction())
                .register(registry));
  }

  /**
   * Removes the gauges, which read this instance's state; a server started later on the same
   * registry registers its own. Counters and timers stay: they are cumulative and shared.
   */
  @Override
  public void close() {
    activeGauges.values().forEach(registry::remove);
    activeGauges.clear();
  }
}
