package dev.zcproxy.inbound.netty.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslHandler;
import java.util.Map;

/**
 * Marks a handler that changes the bytes between the socket and the tunnel, as Netty's {@link
 * SslHandler} does for TLS and SOCKS5 GSS-API per-message protection does for its clients. A socket
 * relay moves the bytes on the wire from one socket to the other, while the other side expects what
 * only such a handler can produce, so it must never take a channel that carries one.
 */
public interface Encapsulation {

  /** Whether {@code channel}'s pipeline holds an SslHandler or another encapsulating handler. */
  static boolean carriedBy(Channel channel) {
    for (Map.Entry<String, ChannelHandler> entry : channel.pipeline()) {
      if (entry.getValue() instanceof Encapsulation || entry.getValue() instanceof SslHandler) {
        return true;
      }
    }
    return false;
  }
}
