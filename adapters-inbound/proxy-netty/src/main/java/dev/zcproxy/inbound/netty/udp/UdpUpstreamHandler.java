package dev.zcproxy.inbound.netty.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream socket's side of a UDP association: answers from destinations, passed back to the
 * client behind a SOCKS5 UDP header that names the sender. Anything from an address the association
 * has not sent to is dropped.
 */
final class UdpUpstreamHandler extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final Logger log = LoggerFactory.getLogger(UdpUpstreamHandler.class);

  private final UdpSession association;
  private final UdpDestinations destinations;

  UdpUpstreamHandler(UdpSession association, UdpDestinations destinations) {
    this.association = association;
    this.destinations = destinations;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    if (!association.isOpen()) {
      return;
    }
    if (!destinations.isPeer(packet.sender())) {
      association.drop(UdpSession.DropReason.UNSOLICITED);
      return;
    }
    association.sendDownstream(packet.sender(), packet.content());
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (association.isOpen()) {
      association.flushDownstream();
    }
  }

  /** A socket error concerns one datagram (an ICMP report, say): the association carries on. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("UDP upstream socket {}: {}", ctx.channel().localAddress(), cause.toString());
  }
}
