package dev.zcproxy.domain.service;

import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.LiveTunnel;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.port.out.LiveTunnels;
import java.util.Objects;

/**
 * Decides the live tunnels again whenever a policy is installed, with the principal read from the
 * new policy afresh (a deleted or disabled user, or anonymous access turned off, refuses
 * everything), and cuts the ones it refuses.
 *
 * <p>A tunnel that opens while a policy is being installed is checked against that policy too
 * ({@link #tunnelOpened}: the service keeps the latest one), so none slips between its
 * authorization and the sweep. A decision that throws is a refusal: a tunnel nobody can vouch for
 * is cut.
 */
public final class ReauthorizeLiveTunnelsService implements ConnectionRegistry {

  private final LiveTunnels tunnels;
  private volatile PolicySnapshot latest;

  public ReauthorizeLiveTunnelsService(LiveTunnels tunnels) {
    this.tunnels = Objects.requireNonNull(tunnels, "tunnels");
  }

  @Override
  public int policyInstalled(PolicySnapshot installed) {
    Objects.requireNonNull(installed, "installed");
    latest = installed;
    int cut = 0;
    for (LiveTunnel tunnel : tunnels.open()) {
      if (cutIfRefused(tunnel, installed)) {
        cut++;
      }
    }
    return cut;
  }

  /** A tunnel was just established: the latest installed policy, if any, must allow it too. */
  public void tunnelOpened(LiveTunnel tunnel) {
    PolicySnapshot current = latest;
    if (current != null) {
      cutIfRefused(tunnel, current);
    }
  }

  private boolean cutIfRefused(LiveTunnel tunnel, PolicySnapshot policy) {
    Decision decision;
    try {
      decision = policy.authorize(tunnel.principal(), tunnel.request());
    } catch (RuntimeException bug) {
      decision =
          new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "authorization failed: " + bug);
    }
    return decision instanceof Decision.Deny deny && tunnels.cut(tunnel, policy.revision(), deny);
  }
}
