package dev.zcproxy.inbound.netty.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * The client's IP address and port behind any channel the proxy serves: a TCP connection's remote
 * address, or, for a QUIC connection and its streams (whose remote addresses are connection IDs),
 * the UDP address the QUIC layer recorded when the connection was admitted.
 */
public final class ClientAddress {

  /** Set on a channel whose remote address is not an IP address, by whoever admitted it. */
  public static final AttributeKey<InetSocketAddress> KEY =
      AttributeKey.valueOf(ClientAddress.class, "client");

  private ClientAddress() {}

  /**
   * The client's address for {@code channel}, from the channel itself or the nearest parent that
   * knows it (a stream's connection), or null when none does.
   */
  public static InetSocketAddress of(Channel channel) {
    for (Channel c = channel; c != null; c = c.parent()) {
      if (c.remoteAddress() instanceof InetSocketAddress remote) {
        return remote;
      }
      InetSocketAddress recorded = c.attr(KEY).get();
      if (recorded != null) {
        return recorded;
      }
    }
    return null;
  }
}
