package dev.zcproxy.inbound.netty.socks.v5.udp;

import dev.zcproxy.inbound.netty.udp.UdpSession;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the TCP control connection of a UDP association. RFC 1928 §7 ties the association's life
 * to it, and nothing is carried on it after the reply, so whatever the client sends is read and
 * discarded. Reading is what lets the proxy notice the client's EOF: with {@code AUTO_READ} off and
 * no read pending, a FIN would go unseen. EOF or an error closes the control connection, and with
 * it the association.
 */
final class UdpAssociationControlHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(UdpAssociationControlHandler.class);

  private final UdpSession association;

  UdpAssociationControlHandler(UdpSession association) {
    this.association = association;
  }

  UdpSession association() {
    return association;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      // A half-closing client is leaving all the same (only seen with ALLOW_HALF_CLOSURE on).
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug(
        "UDP ASSOCIATE control connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
