package dev.zcproxy.inbound.netty.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.util.Map;

/**
 * Marks a handler that changes the bytes between the socket and the tunnel: TLS, or SOCKS5 GSS-API
 * per-message protection. A socket relay moves the bytes on the wire from one socket to the other,
 * while the other side expects what only this handler can produce, so it must never take a channel
 * that carries one.
 */
public interface Encapsulation {

  /** Whether {@code channel}'s pipeline holds an encapsulating handler. */
  static boolean carriedBy(Channel channel) {
    for (Map.Entry<String, ChannelHandler> entry : channel.pipeline()) {
      if (entry.getValue() instanceof Encapsulation) {
        return true;
      }
    }
    return false;
  }
}
