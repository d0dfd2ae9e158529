package dev.zcproxy.inbound.netty.tunnel;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end's {@link ConnectionRegistry}: every established tunnel (SOCKS CONNECT and BIND,
 * HTTP CONNECT, each HTTP/2 CONNECT stream, and each destination a SOCKS5 UDP association was
 * allowed) is registered with the principal it acts for and the request the policy allowed, until
 * its channel closes. When a policy is installed, each is decided again by the new policy, with the
 * principal read from it afresh (a deleted or disabled user, or anonymous access turned off,
 * refuses everything), and those refused are closed: for a UDP association, its control connection,
 * which ends the association.
 *
 * <p>A tunnel registered while a policy is being installed is checked against that policy too (the
 * registry keeps the latest one), so none slips between its authorization and the sweep. Closing
 * goes through {@link Channel#close()}, which Netty runs on the channel's event loop; it works for
 * spliced tunnels as well, whose relay tears down when its channel closes. Counted in {@code
 * zcproxy_tunnels_closed_by_policy_total}.
 */
public final class LiveTunnelRegistry implements ConnectionRegistry {
  private static final Logger log = LoggerFactory.getLogger(LiveTunnelRegistry.class);

  /** A tunnel as registered; channels compare by identity. */
  private record Tunnel(Channel channel, Principal principal, ConnectRequest request) {}

  private final Set<Tunnel> tunnels = ConcurrentHashMap.newKeySet();
  private final Counter closedByPolicy;
  private volatile PolicySnapshot latest;

  public LiveTunnelRegistry(MeterRegistry registry) {
    this.closedByPolicy =
        Counter.builder("zcproxy.tunnels.closed.by.policy")
            .description("Live tunnels closed because a newly installed policy refuses them")
            .register(Objects.requireNonNull(registry, "registry"));
  }

  /** Registers a tunnel until {@code channel} closes; a repeat registration is a no-op. */
  public void register(Channel channel, Principal principal, ConnectRequest request) {
    var tunnel = new Tunnel(channel, principal, request);
    if (!tunnels.add(tunnel)) {
      return;
    }
    channel.closeFuture().addListener(closed -> tunnels.remove(tunnel));
    PolicySnapshot current = latest;
    if (current != null) {
      closeIfRefused(tunnel, current);
    }
  }

  @Override
  public int policyInstalled(PolicySnapshot installed) {
    Objects.requireNonNull(installed, "installed");
    latest = installed;
    int closed = 0;
    for (Tunnel tunnel : tunnels) {
      if (closeIfRefused(tunnel, installed)) {
        closed++;
      }
    }
    return closed;
  }

  /** Tunnels registered and still open. */
  public int size() {
    return tunnels.size();
  }

  private boolean closeIfRefused(Tunnel tunnel, PolicySnapshot policy) {
    Decision decision;
    try {
      decision = policy.authorize(tunnel.principal(), tunnel.request());
    } catch (RuntimeException bug) {
      log.error("re-authorizing {} failed; closing it", tunnel.channel(), bug);
      decision = new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "authorization failed");
    }
    if (!(decision instanceof Decision.Deny deny) || !tunnels.remove(tunnel)) {
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
        policy.revision(),
        deny.detail());
    tunnel.channel().close();
    return true;
  }
}
