package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.LiveTunnel;
import java.util.Collection;

/** The proxy's established tunnels, which the front end keeps while they are open. */
public interface LiveTunnels {

  /** The tunnels open now: a view the caller only reads; it may change while being read. */
  Collection<? extends LiveTunnel> open();

  /**
   * Closes {@code tunnel}, which policy {@code revision} refuses for {@code denial}. Thread-safe;
   * returns without waiting for the close to finish.
   *
   * @return false when the tunnel was already gone (closed, or cut by someone else)
   */
  boolean cut(LiveTunnel tunnel, long revision, Decision.Deny denial);
}
