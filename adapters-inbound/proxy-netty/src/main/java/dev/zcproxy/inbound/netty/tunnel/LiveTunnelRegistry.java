package dev.zcproxy.inbound.netty.tunnel;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.LiveTunnel;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.port.out.LiveTunnels;
import dev.zcproxy.domain.service.ReauthorizeLiveTunnelsService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end's {@link LiveTunnels}: every established tunnel (SOCKS CONNECT and BIND, HTTP
 * CONNECT, each HTTP/2 CONNECT stream, and each destination a SOCKS5 UDP association was allowed)
 * is registered with the principal it acts for and the request the policy allowed, until its
 * channel closes. Which of them a new policy refuses is the domain's {@link
 * ReauthorizeLiveTunnelsService}'s decision, taken on every policy installed here and on every
 * tunnel registered; this adapter only keeps the tunnels and closes the ones it is told to: for a
 * UDP association, its control connection, which ends the association.
 *
 * <p>Closing goes through {@link Channel#close()}, which Netty runs on the channel's event loop; it
 * works for spliced tunnels as well, whose relay tears down when its channel closes. Counted in
 * {@code zcproxy_tunnels_closed_by_policy_total}.
 */
public final class LiveTunnelRegistry implements LiveTunnels, ConnectionRegistry {
  private static final Logger log = LoggerFactory.getLogger(LiveTunnelRegistry.class);

  /** A tunnel as registered; channels compare by identity. */
  private record Tunnel(
      Channel channel, Principal principal, ConnectRequest request, PolicyCut onCut)
      implements LiveTunnel {}

  private final Set<Tunnel> tunnels = ConcurrentHashMap.newKeySet();
  private final Counter closedByPolicy;
  private final ReauthorizeLiveTunnelsService reauthorization;

  public LiveTunnelRegistry(MeterRegistry registry) {
    this.closedByPolicy =
        Counter.builder("zcproxy.tunnels.closed.by.policy")
            .description("Live tunnels closed because a newly installed policy refuses them")
            .register(Objects.requireNonNull(registry, "registry"));
    this.reauthorization = new ReauthorizeLiveTunnelsService(this);
  }

  /** Registers a tunnel until {@code channel} closes; a repeat registration is a no-op. */
  public void register(Channel channel, Principal principal, ConnectRequest request) {
    register(channel, principal, request, PolicyCut.NONE);
  }

  /**
   * The same, with {@code onCut} told before the channel is closed if a policy cuts the tunnel (so
   * that its access log line says so).
   */
  public void register(
      Channel channel, Principal principal, ConnectRequest request, PolicyCut onCut) {
    var tunnel = new Tunnel(channel, principal, request, Objects.requireNonNull(onCut, "onCut"));
    if (!tunnels.add(tunnel)) {
      return;
    }
    channel.closeFuture().addListener(closed -> tunnels.remove(tunnel));
    reauthorization.tunnelOpened(tunnel);
  }

  /** Re-authorizes every live tunnel against {@code installed}; see the domain's service. */
  @Override
  public int policyInstalled(PolicySnapshot installed) {
    return reauthorization.policyInstalled(installed);
  }

  @Override
  public Collection<? extends LiveTunnel> open() {
    return Collections.unmodifiableSet(tunnels);
  }

  @Override
  public boolean cut(LiveTunnel refused, long revision, Decision.Deny denial) {
    if (!(refused instanceof Tunnel tunnel) || !tunnels.remove(tunnel)) {
      return false;
    }
    closedByPolicy.increment();
    log.info(
        "{}: closing the tunnel of {} to {}:{}: policy revision {} refuses it ({})",
        tunnel.channel(),
        tunnel.principal().name(),
        tunnel.request().host() != null
            ? tunnel.request().host()
            : tunnel.request().address().getHostAddress(),
        tunnel.request().port(),
        revision,
        denial.detail());
    tunnel.onCut().cutByPolicy();
    tunnel.channel().close();
    return true;
  }

  /** Tunnels registered and still open. */
  public int size() {
    return tunnels.size();
  }
}
