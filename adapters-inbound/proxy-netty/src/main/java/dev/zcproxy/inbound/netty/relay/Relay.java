package dev.zcproxy.inbound.netty.relay;

import io.netty.channel.Channel;

/**
 * Moves bytes both ways between two established channels until both directions are done, with
 * back-pressure and half-close. Both channels must have {@code AUTO_READ} off and no protocol
 * handlers left, and share one event loop; the relay installs its own handlers and closes both when
 * the tunnel ends.
 */
public interface Relay {
  /** Handler names the relays install. */
  String HANDLER = "relay";

  String IDLE_TIMEOUT = "idle-timeout";
  String HANDOVER = "relay-handover";

  /**
   * @param protocol a metrics label such as {@code socks5}
   */
  default void start(Channel client, Channel upstream, String protocol) {
    start(client, upstream, protocol, TunnelEnd.NONE);
  }

  /**
   * @param protocol a metrics label such as {@code socks5}
   * @param end told once when the tunnel ends, with its byte counts
   */
  void start(Channel client, Channel upstream, String protocol, TunnelEnd end);
}
