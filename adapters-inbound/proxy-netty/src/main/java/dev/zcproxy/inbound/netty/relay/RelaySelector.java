package dev.zcproxy.inbound.netty.relay;

import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.relay.spi.TunnelObserver;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses, per tunnel, the relay that carries it: the socket relay (splice) where the {@code relay}
 * setting allows it and it can take both channels, the copy relay otherwise. A tunnel with TLS on
 * either side (HTTPS-to-proxy) always takes the copy relay. It also counts every open tunnel,
 * whichever relay carries it.
 *
 * <ul>
 *   <li>{@code copy}: always the copy relay.
 *   <li>{@code auto}: every tunnel starts on copy. Once a direction streams ({@link
 *       CopyRelay#FULL_READS_TO_PROMOTE} consecutive full reads), a plain TCP tunnel on epoll moves
 *       to the socket relay, which keeps choosing per direction: splice while it streams, copy when
 *       it carries small messages. Short request/response tunnels never pay for the move.
 *   <li>{@code splice}: every tunnel the socket relay can take goes to it from its first byte, and
 *       each direction splices whenever it can get a pipe; a missing or unusable socket relay is a
 *       startup error rather than a quiet fall-back to copy.
 * </ul>
 */
public final class RelaySelector implements Relay {
  private static final Logger log = LoggerFactory.getLogger(RelaySelector.class);

  private final CopyRelay copy;
  private final SocketRelay socketRelay; // null: copy only
  private final Duration idleTimeout;
  private final ProxyMetrics metrics;
  private final AtomicInteger socketRelayTunnels = new AtomicInteger();
  private final boolean spliceFirst;

  private RelaySelector(
      RelayMode mode, SocketRelay socketRelay, Duration idleTimeout, ProxyMetrics metrics) {
    this.socketRelay = socketRelay;
    this.idleTimeout = idleTimeout;
    this.metrics = metrics;
    this.spliceFirst = mode == RelayMode.SPLICE && socketRelay != null;
    this.copy =
        new CopyRelay(
            idleTimeout,
            metrics,
            mode == RelayMode.AUTO && socketRelay != null ? new Promotion() : null);
  }

  /**
   * What {@code mode} makes of the socket relay on offer. Check {@link #refusal} first: this does
   * not refuse {@code splice} by itself.
   *
   * @param available the socket relay the app installed, if any
   */
  public static RelaySelector create(
      RelayMode mode, Optional<SocketRelay> available, Duration idleTimeout, ProxyMetrics metrics) {
    return new RelaySelector(mode, usable(mode, available).orElse(null), idleTimeout, metrics);
  }

  /**
   * Why {@code mode} cannot be served with what is on offer, for an operator; empty when it can.
   * Only {@code splice} is ever refused.
   */
  public static Optional<String> refusal(RelayMode mode, Optional<SocketRelay> available) {
    if (mode != RelayMode.SPLICE) {
      return Optional.empty();
    }
    if (available.isEmpty()) {
      return Optional.of("splice is not available: this build has no splice relay");
    }
    return available
        .get()
        .unavailability()
        .map(reason -> "splice is not available on this machine: " + reason);
  }

  /** The names of the relays tunnels may take, whose meters should exist from the start. */
  public static List<String> relayNames(RelayMode mode, Optional<SocketRelay> available) {
    List<String> names = new ArrayList<>(List.of(ProxyMetrics.COPY));
    usable(mode, available).ifPresent(relay -> names.add(relay.name()));
    return names;
  }

  /** One line for the startup log: which relay carries tunnels, and why. */
  public static String describe(RelayMode mode, Optional<SocketRelay> available) {
    return switch (mode) {
      case COPY -> "relay: copy, as configured";
      case SPLICE ->
          "relay: splice, as configured, for plain TCP tunnels on epoll (TLS and HTTP inspection"
              + " stay on copy)";
      case AUTO ->
          available
              .map(
                  relay ->
                      relay
                          .unavailability()
                          .map(reason -> "relay: auto chose copy, because " + reason)
                          .orElse(
                              "relay: auto: tunnels start on copy and plain TCP tunnels on epoll"
                                  + " move to "
                                  + relay.name()
                                  + " once they stream"))
              .orElse("relay: auto chose copy, because this build has no splice relay");
    };
  }

  private static Optional<SocketRelay> usable(RelayMode mode, Optional<SocketRelay> available) {
    if (mode == RelayMode.COPY) {
      return Optional.empty();
    }
    return available.filter(relay -> relay.unavailability().isEmpty());
  }

  @Override
  public void start(Channel client, Channel upstream, String protocol, TunnelEnd end) {
    if (!client.eventLoop().inEventLoop()) {
      client.eventLoop().execute(() -> start(client, upstream, protocol, end));
      return;
    }
    if (spliceFirst && offerable(client, upstream)) {
      handOver(
          client, upstream, protocol, end, false, EnumSet.allOf(TunnelObserver.Direction.class));
    } else {
      if (spliceFirst) {
        log.debug("{}: {} cannot take this tunnel; copying", client, socketRelay.name());
      }
      copy.start(client, upstream, protocol, end);
    }
  }

  private boolean offerable(Channel client, Channel upstream) {
    return mayOffer(client, upstream) && socketRelay.canRelay(client, upstream);
  }

  private void handOver(
      Channel client,
      Channel upstream,
      String protocol,
      TunnelEnd end,
      boolean adaptive,
      Set<TunnelObserver.Direction> streaming) {
    new SocketRelayHandover(
            client,
            upstream,
            protocol,
            socketRelay,
            idleTimeout,
            metrics,
            socketRelayTunnels,
            end,
            adaptive,
            streaming)
        .begin();
  }

  /** {@code relay: auto}: tunnels start on copy and move to the socket relay once they stream. */
  private final class Promotion implements CopyRelay.Promotion {
    @Override
    public boolean accepts(Channel client, Channel upstream) {
      return offerable(client, upstream);
    }

    @Override
    public void promote(
        Channel client,
        Channel upstream,
        String protocol,
        TunnelEnd end,
        TunnelObserver.Direction streaming) {
      handOver(client, upstream, protocol, end, true, EnumSet.of(streaming));
    }
  }

  /**
   * Whether a socket relay may be offered this tunnel at all. Never when either side carries an
   * {@link Encapsulation} (TLS, GSS-API protection): the relay would move the ciphertext on the
   * wire from one socket to the other, while the other side expects the plaintext only the handler
   * in the pipeline can produce.
   */
  public static boolean mayOffer(Channel client, Channel upstream) {
    return !Encapsulation.carriedBy(client) && !Encapsulation.carriedBy(upstream);
  }

  /** Tunnels open right now, on every relay. */
  public int activeTunnels() {
    return copy.activeTunnels() + socketRelayTunnels.get();
  }
}
