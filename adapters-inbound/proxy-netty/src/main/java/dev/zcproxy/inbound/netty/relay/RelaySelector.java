package dev.zcproxy.inbound.netty.relay;

import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 *   <li>{@code auto}: the socket relay when it is installed and works in this process, for every
 *       tunnel it can take (plain TCP on epoll); copy otherwise.
 *   <li>{@code splice}: like {@code auto}, but a missing or unusable socket relay is a startup
 *       error rather than a quiet fall-back to copy.
 * </ul>
 */
public final class RelaySelector implements Relay {
  private static final Logger log = LoggerFactory.getLogger(RelaySelector.class);

  private final CopyRelay copy;
  private final SocketRelay socketRelay; // null: copy only
  private final Duration idleTimeout;
  private final ProxyMetrics metrics;
  private final AtomicInteger socketRelayTunnels = new AtomicInteger();

  private RelaySelector(
      CopyRelay copy, SocketRelay socketRelay, Duration idleTimeout, ProxyMetrics metrics) {
    this.copy = copy;
    this.socketRelay = socketRelay;
    this.idleTimeout = idleTimeout;
    this.metrics = metrics;
  }

  /**
   * What {@code mode} makes of the socket relay on offer. Check {@link #refusal} first: this does
   * not refuse {@code splice} by itself.
   *
   * @param available the socket relay the app installed, if any
   */
  public static RelaySelector create(
      RelayMode mode, Optional<SocketRelay> available, Duration idleTimeout, ProxyMetrics metrics) {
    SocketRelay chosen = usable(mode, available).orElse(null);
    return new RelaySelector(new CopyRelay(idleTimeout, metrics), chosen, idleTimeout, metrics);
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
                              "relay: auto chose "
                                  + relay.name()
                                  + " for plain TCP tunnels on epoll, copy for the rest"))
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
    if (socketRelay != null
        && mayOffer(client, upstream)
        && socketRelay.canRelay(client, upstream)) {
      new SocketRelayHandover(
              client,
              upstream,
              protocol,
              socketRelay,
              idleTimeout,
              metrics,
              socketRelayTunnels,
              end)
          .begin();
    } else {
      if (socketRelay != null) {
        log.debug("{}: {} cannot take this tunnel; copying", client, socketRelay.name());
      }
      copy.start(client, upstream, protocol, end);
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
