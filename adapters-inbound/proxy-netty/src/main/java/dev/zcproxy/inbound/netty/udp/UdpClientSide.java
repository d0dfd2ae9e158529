package dev.zcproxy.inbound.netty.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;

/**
 * A protocol's framing of a {@link UdpSession}'s client side: SOCKS5 UDP ASSOCIATE today (a header
 * per datagram naming its destination, RFC 1928 §7), CONNECT-UDP next. The session owns the
 * sockets, the destinations and the session's life; the client side reads what the client sends and
 * frames what goes back.
 */
public interface UdpClientSide {

  /** Makes the client side of {@code session}; called once, before any socket is opened. */
  @FunctionalInterface
  interface Factory {
    UdpClientSide create(UdpSession session);
  }

  /**
   * The handler on the client-facing socket: it checks the sender, unframes each datagram and hands
   * its payload to {@link UdpSession#route}, and flushes upstream after a read batch.
   */
  ChannelHandler handler();

  /** Where answers go: the client's UDP address, or null while it is not known yet. */
  InetSocketAddress client();

  /** An answer from {@code source} framed for the client, as a new buffer the caller owns. */
  ByteBuf frame(ByteBufAllocator allocator, InetSocketAddress source, ByteBuf payload);

  /** The session's metrics label, for its tunnel and its bytes (e.g. {@code socks5-udp}). */
  String metricsLabel();

  /**
   * The session is open on {@code control}, the connection whose end ends it: the protocol watches
   * it as it must (a SOCKS5 client's TCP connection is read and discarded, so its EOF is noticed).
   */
  void opened(Channel control);
}
