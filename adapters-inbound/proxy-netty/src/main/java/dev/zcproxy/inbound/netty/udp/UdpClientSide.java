package dev.zcproxy.inbound.netty.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;

/**
 * A protocol's framing of a {@link UdpSession}'s client side. Two kinds:
 *
 * <ul>
 *   <li>with a socket: SOCKS5 UDP ASSOCIATE (a header per datagram naming its destination, RFC 1928
 *       §7). The session opens a UDP socket for the client and puts {@link #handler()} on it;
 *       answers go out through it, framed by {@link #frame};
 *   <li>without one: CONNECT-UDP (RFC 9298), whose datagrams travel inside the client's QUIC
 *       connection. {@link #handler()} is null, and answers are handed to {@link #deliver}.
 * </ul>
 *
 * The session owns the upstream socket, the destinations and the session's life; the client side
 * reads what the client sends and frames what goes back.
 */
public interface UdpClientSide {

  /** Makes the client side of {@code session}; called once, before any socket is opened. */
  @FunctionalInterface
  interface Factory {
    UdpClientSide create(UdpSession session);
  }

  /**
   * The handler on the client-facing socket: it checks the sender, unframes each datagram and hands
   * its payload to {@link UdpSession#route}, and flushes upstream after a read batch. Null for a
   * client side that carries its datagrams itself: then no socket is opened for the client.
   */
  ChannelHandler handler();

  /**
   * Where answers go: the client's UDP address, or null while it is not known yet. Only asked of a
   * client side with a socket.
   */
  default InetSocketAddress client() {
    return null;
  }

  /**
   * An answer from {@code source} framed for the client, as a new buffer the caller owns. Only
   * asked of a client side with a socket.
   */
  default ByteBuf frame(ByteBufAllocator allocator, InetSocketAddress source, ByteBuf payload) {
    throw new UnsupportedOperationException("this client side has no socket");
  }

  /**
   * For a client side without a socket: sends one answer from {@code source} to the client. The
   * caller keeps its reference to {@code payload}.
   *
   * @return null when it went out (or was queued), else why it was dropped
   */
  default UdpSession.DropReason deliver(InetSocketAddress source, ByteBuf payload) {
    throw new UnsupportedOperationException("this client side has a socket");
  }

  /** For a client side without a socket: the end of a batch of {@link #deliver} calls. */
  default void flush() {}

  /** The session's metrics label, for its tunnel and its bytes (e.g. {@code socks5-udp}). */
  String metricsLabel();

  /**
   * The session is open on {@code control}, the channel whose end ends it: the protocol watches it
   * as it must (a SOCKS5 client's TCP connection is read and discarded, so its EOF is noticed; a
   * CONNECT-UDP request stream carries capsules).
   */
  void opened(Channel control);
}
