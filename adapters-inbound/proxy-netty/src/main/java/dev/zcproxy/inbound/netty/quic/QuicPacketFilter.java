package dev.zcproxy.inbound.netty.quic;

import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * First on the QUIC sockets: drops, and counts, UDP packets that cannot be QUIC before the codec
 * spends anything on them. Every QUIC version 1 packet has the fixed bit (0x40) set in its first
 * byte (RFC 9000 §17; the proxy does not negotiate grease_quic_bit), and none is shorter than a
 * short header with a packet number and an AEAD tag. Garbage is counted, never logged, so a flood
 * costs no disk.
 */
@ChannelHandler.Sharable
final class QuicPacketFilter extends ChannelInboundHandlerAdapter {

  /** 1 header byte, a connection ID of at least 1, a 1-byte packet number, a 16-byte tag. */
  static final int MIN_PACKET_BYTES = 1 + 1 + 1 + 16;

  private static final int FIXED_BIT = 0x40;

  private final QuicMetrics metrics;

  QuicPacketFilter(QuicMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet && !looksLikeQuic(packet.content())) {
      packet.release();
      metrics.dropped(QuicMetrics.Drop.NOT_QUIC);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  static boolean looksLikeQuic(ByteBuf datagram) {
    return datagram.readableBytes() >= MIN_PACKET_BYTES
        && (datagram.getByte(datagram.readerIndex()) & FIXED_BIT) != 0;
  }
}
