package dev.zcproxy.inbound.netty.relay;

import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;

/**
 * Told once, on the tunnel's event loop, when a relayed tunnel ends: which relay carried it last,
 * the bytes delivered each way over its whole life (a tunnel that moved from copy to splice counts
 * both), and how it ended. The access log's source for a tunnel's line.
 */
@FunctionalInterface
public interface TunnelEnd {

  /** For callers that keep no account. */
  TunnelEnd NONE = (relay, bytesUp, bytesDown, ending) -> {};

  /**
   * @param relay {@code copy} or {@code splice}
   * @param bytesUp bytes delivered from the client to the destination
   * @param bytesDown bytes delivered from the destination to the client
   */
  void ended(String relay, long bytesUp, long bytesDown, TunnelEnding ending);
}
