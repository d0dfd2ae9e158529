package dev.zcproxy.inbound.netty.socks.v4;

import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * SOCKS4 replies, {@code VN=0 CD DSTPORT DSTIP}, and the {@link CommandReplies} for CONNECT and
 * BIND. SOCKS4 has one failure code for everything (0x5B); 0x5C and 0x5D are about identd, which
 * this proxy does not use. An IPv6 address does not fit in a reply and is sent as 0.0.0.0.
 */
final class Socks4Replies implements CommandReplies {
  static final int GRANTED = 0x5A;
  static final int REJECTED = 0x5B;

  private final Channel channel;
  private final ProxyMetrics metrics;

  Socks4Replies(Channel channel, ProxyMetrics metrics) {
    this.channel = channel;
    this.metrics = metrics;
  }

  @Override
  public void success(InetSocketAddress address) {
    channel.writeAndFlush(reply(channel.alloc(), GRANTED, address));
  }

  @Override
  public void failure(ProxyRefusal.Kind kind) {
    metrics.connectionRejected(Socks4FrontEnd.PROTOCOL, ProxyRefusals.label(kind));
    refuse();
  }

  /** Writes 0x5B and closes, counting nothing (the caller already did). */
  void refuse() {
    channel.writeAndFlush(rejected(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
  }

  static ByteBuf reply(ByteBufAllocator allocator, int code, InetSocketAddress address) {
    ByteBuf reply = allocator.buffer(8).writeByte(0).writeByte(code);
    if (address != null && address.getAddress() instanceof Inet4Address ipv4) {
      reply.writeShort(address.getPort()).writeBytes(ipv4.getAddress());
    } else {
      reply.writeShort(address == null ? 0 : address.getPort()).writeZero(4);
    }
    return reply;
  }

  static ByteBuf rejected(ByteBufAllocator allocator) {
    return reply(allocator, REJECTED, null);
  }
}
