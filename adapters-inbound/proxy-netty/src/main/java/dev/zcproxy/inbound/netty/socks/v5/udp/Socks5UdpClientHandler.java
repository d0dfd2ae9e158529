package dev.zcproxy.inbound.netty.socks.v5.udp;

import dev.zcproxy.inbound.netty.udp.UdpClientSide;
import dev.zcproxy.inbound.netty.udp.UdpSession;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay socket's side of a UDP association: datagrams from the SOCKS5 client, each behind a
 * SOCKS5 UDP header naming its destination.
 *
 * <p>Only the client may use the relay. A datagram must come from the IP address of the control
 * connection; the first one that does pins the source port, and from then on only that address and
 * port are accepted. The client's hint (DST.ADDR and DST.PORT of the UDP ASSOCIATE request) pins
 * the port from the start when it is consistent with the control connection: its address is either
 * unspecified or the control connection's. A hint naming another address is what a client behind
 * NAT sends (its private address); it says nothing about what the proxy will see, so it is
 * disregarded rather than making the association unusable. A hint given as a domain name is
 * disregarded too.
 */
final class Socks5UdpClientHandler extends SimpleChannelInboundHandler<DatagramPacket>
    implements UdpClientSide {

  private static final Logger log = LoggerFactory.getLogger(Socks5UdpClientHandler.class);

  private final UdpSession association;
  private final InetAddress clientAddress;
  private InetSocketAddress client;

  /**
   * @param clientAddress the control connection's remote address (null if it is gone already)
   * @param hint DST.ADDR and DST.PORT of the request: where the client says it will send from,
   *     zeros when it does not know (may be null)
   */
  Socks5UdpClientHandler(UdpSession association, InetAddress clientAddress, Destination hint) {
    this.association = association;
    this.clientAddress = clientAddress;
    if (clientAddress != null && hint != null && hint.port() != 0 && hint.literal() != null) {
      InetAddress hinted = hint.literal();
      if (hinted.isAnyLocalAddress() || hinted.equals(clientAddress)) {
        client = new InetSocketAddress(clientAddress, hint.port());
      }
    }
  }

  @Override
  public ChannelHandler handler() {
    return this;
  }

  /** The client's UDP address, once known; null before its first datagram (without a hint). */
  @Override
  public InetSocketAddress client() {
    return client;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    if (!association.isOpen()) {
      return;
    }
    if (!admit(packet.sender())) {
      association.drop(UdpSession.DropReason.FOREIGN_SOURCE);
      return;
    }
    ByteBuf datagram = packet.content();
    Socks5UdpHeader header;
    try {
      header = Socks5UdpHeader.read(datagram);
    } catch (Socks5UdpHeader.MalformedHeader malformed) {
      log.trace("dropping a datagram from {}: {}", packet.sender(), malformed.getMessage());
      association.drop(UdpSession.DropReason.MALFORMED);
      return;
    }
    if (header.fragment() != 0) {
      association.drop(UdpSession.DropReason.FRAGMENTED);
      return;
    }
    association.route(header.destination(), datagram);
  }

  /** The answer behind a SOCKS5 UDP header naming {@code source}. */
  @Override
  public ByteBuf frame(ByteBufAllocator allocator, InetSocketAddress source, ByteBuf payload) {
    int bytes = payload.readableBytes();
    ByteBuf datagram = allocator.ioBuffer(Socks5UdpHeader.encodedLength(source) + bytes);
    Socks5UdpHeader.write(datagram, source);
    return datagram.writeBytes(payload, payload.readerIndex(), bytes);
  }

  @Override
  public String metricsLabel() {
    return Socks5UdpAssociate.METRICS_LABEL;
  }

  /** RFC 1928 §7: the association ends with its TCP connection, which is watched from now on. */
  @Override
  public void opened(Channel control) {
    control
        .pipeline()
        .addLast(UdpSession.PIPELINE_NAME, new UdpAssociationControlHandler(association));
  }

  private boolean admit(InetSocketAddress sender) {
    if (sender == null || !sender.getAddress().equals(clientAddress)) {
      return false;
    }
    if (client == null) {
      client = sender;
      return true;
    }
    return client.getPort() == sender.getPort();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (association.isOpen()) {
      association.flushUpstream();
    }
  }

  /** A socket error concerns one datagram (an ICMP report, say): the association carries on. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("UDP relay socket {}: {}", ctx.channel().localAddress(), cause.toString());
  }
}
