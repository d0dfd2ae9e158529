package dev.zcproxy.inbound.netty.relay.spi;

/** How a tunnel ended, as the relay that carried it saw it; for the access log. */
public enum TunnelEnding {
  /** Both sides sent their FIN and everything was delivered. */
  FINISHED,
  /** No byte either way for the idle timeout. */
  IDLE_TIMEOUT,
  /** A side was reset or a system call failed; the other side was reset too. */
  RESET,
  /**
   * A channel was closed from outside the relay: a policy that no longer allows the tunnel, the
   * server shutting down, or a failure while the tunnel changed relays.
   */
  CLOSED
}
