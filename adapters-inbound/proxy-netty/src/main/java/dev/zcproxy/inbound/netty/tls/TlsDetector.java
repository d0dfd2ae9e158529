package dev.zcproxy.inbound.netty.tls;

import dev.zcproxy.inbound.netty.detect.ProtocolDetector;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First in a client's pipeline when TLS is configured, in front of the {@link HandshakeGuard}: a
 * first byte {@code 0x16} (a TLS handshake record) puts the TLS layer in its place; anything else
 * goes on, as it is, to the {@link ProtocolDetector}. Either way it leaves the pipeline with the
 * first read. Without TLS configured it is not there, and the detector closes a TLS client.
 */
@Sharable
public final class TlsDetector extends ChannelInboundHandlerAdapter {

  private final TlsFrontEnd tls;

  public TlsDetector(TlsFrontEnd tls) {
    this.tls = tls;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf data) || !data.isReadable()) {
      ctx.fireChannelRead(msg); // the detector skips an empty read and asks for the next
      return;
    }
    if (data.getUnsignedByte(data.readerIndex()) == TlsFrontEnd.HANDSHAKE_RECORD) {
      tls.install(ctx);
    } else {
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(data); // still linked to the handler that followed it
  }
}
