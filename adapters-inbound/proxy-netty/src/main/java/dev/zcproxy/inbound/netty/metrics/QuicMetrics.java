package dev.zcproxy.inbound.netty.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What QUIC and HTTP/3 add to {@link ProxyMetrics}: connections, Retries, request streams by kind,
 * HTTP Datagrams and capsules by direction, and what was dropped and why. Every meter exists from
 * the start (dashboards show zeros, not gaps), and each is a field, so the per-datagram paths pay
 * no lookup. Tunnels and bytes of HTTP/3 streams are counted by {@link ProxyMetrics} under their
 * protocol labels ({@code h3}, {@code connect-udp}).
 */
public final class QuicMetrics implements AutoCloseable {

  /** What an HTTP/3 request stream turned out to be. */
  public enum StreamKind {
    CONNECT,
    CONNECT_UDP,
    FORWARD;

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Why a UDP packet, an HTTP Datagram or a capsule was not relayed. */
  public enum Drop {
    /** A UDP packet on the QUIC port that is not QUIC (no fixed bit, too short). */
    NOT_QUIC,
    /** An Initial whose Retry token was forged, expired or from another address. */
    INVALID_TOKEN,
    /** An HTTP Datagram with a context ID other than 0 (RFC 9298 §4). */
    UNKNOWN_CONTEXT,
    /** An HTTP Datagram or DATAGRAM capsule larger than a UDP payload may be. */
    TOO_LARGE,
    /** An HTTP Datagram for a stream that carries no CONNECT-UDP flow (any more). */
    NO_FLOW,
    /** An HTTP Datagram whose header (quarter stream ID, context ID) does not parse. */
    MALFORMED,
    /** The client was sending faster than the proxy could pass on. */
    RATE_LIMIT;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** In or out of the proxy, on the client's side. */
  public enum Direction {
    IN,
    OUT
  }

  private final MeterRegistry registry;
  private final AtomicLong connections = new AtomicLong();
  private final Gauge connectionsGauge;
  private final Counter connectionsTotal;
  private final Counter retries;
  private final Counter refused;
  private final Map<StreamKind, Counter> streams = new EnumMap<>(StreamKind.class);
  private final Map<Direction, Counter> datagrams = new EnumMap<>(Direction.class);
  private final Map<Direction, Counter> capsules = new EnumMap<>(Direction.class);
  private final Map<Drop, Counter> drops = new EnumMap<>(Drop.class);

  public QuicMetrics(MeterRegistry registry) {
    this.registry = registry;
    connectionsGauge =
        Gauge.builder("zcproxy.quic.connections.active", connections, AtomicLong::get)
            .description("QUIC connections open now (handshaking or established)")
            .register(registry);
    connectionsTotal =
        Counter.builder("zcproxy.quic.connections")
            .description("QUIC connections the proxy created state for (after address validation)")
            .register(registry);
    refused =
        Counter.builder("zcproxy.quic.connections.refused")
            .description(
                "QUIC connections refused by quic.maxConnections or maxConnectionsPerSource")
            .register(registry);
    retries =
        Counter.builder("zcproxy.quic.retries")
            .description("Retry packets sent to validate a client's address")
            .register(registry);
    for (StreamKind kind : StreamKind.values()) {
      streams.put(
          kind,
          Counter.builder("zcproxy.quic.streams")
              .description("HTTP/3 request streams, by what they asked for")
              .tag("kind", kind.label())
              .register(registry));
    }
    for (Direction direction : Direction.values()) {
      String label = direction.name().toLowerCase(Locale.ROOT);
      datagrams.put(
          direction,
          Counter.builder("zcproxy.quic.datagrams")
              .description("HTTP Datagrams in QUIC DATAGRAM frames; in is from the client")
              .tag("direction", label)
              .register(registry));
      capsules.put(
          direction,
          Counter.builder("zcproxy.quic.capsules")
              .description("DATAGRAM capsules on CONNECT-UDP streams; in is from the client")
              .tag("direction", label)
              .register(registry));
    }
    for (Drop reason : Drop.values()) {
      drops.put(
          reason,
          Counter.builder("zcproxy.quic.drops")
              .description("UDP packets, HTTP Datagrams and capsules dropped, by reason")
              .tag("reason", reason.label())
              .register(registry));
    }
  }

  public void connectionOpened() {
    connections.incrementAndGet();
    connectionsTotal.increment();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  public void connectionRefused() {
    refused.increment();
  }

  public void retrySent() {
    retries.increment();
  }

  public void streamOpened(StreamKind kind) {
    streams.get(kind).increment();
  }

  public void datagram(Direction direction) {
    datagrams.get(direction).increment();
  }

  public void capsule(Direction direction) {
    capsules.get(direction).increment();
  }

  public void dropped(Drop reason) {
    drops.get(reason).increment();
  }

  /** How many were dropped for {@code reason} so far. */
  public long droppedCount(Drop reason) {
    return (long) drops.get(reason).count();
  }

  /** QUIC connections open now. */
  public long openConnections() {
    return connections.get();
  }

  /** Removes the gauge, which reads this instance's state. */
  @Override
  public void close() {
    registry.remove(connectionsGauge);
  }
}
