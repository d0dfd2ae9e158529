package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.socks.SocksVersions;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.InetSocketAddress;

/**
 * SOCKS5 replies on the wire (RFC 1928 §3, §6; RFC 1929 §2), and the {@link CommandReplies} that
 * CONNECT, BIND and UDP ASSOCIATE answer through.
 */
final class Socks5Replies implements CommandReplies {
  static final int SUCCEEDED = 0x00;
  static final int GENERAL_FAILURE = 0x01;
  static final int NOT_ALLOWED = 0x02;
  static final int NETWORK_UNREACHABLE = 0x03;
  static final int HOST_UNREACHABLE = 0x04;
  static final int CONNECTION_REFUSED = 0x05;
  static final int COMMAND_NOT_SUPPORTED = 0x07;
  static final int ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

  static final int AUTH_SUCCESS = 0x00;
  static final int AUTH_FAILURE = 0x01;

  private static final InetSocketAddress UNSPECIFIED = new InetSocketAddress("0.0.0.0", 0);

  private final Channel channel;
  private final ProxyMetrics metrics;

  Socks5Replies(Channel channel, ProxyMetrics metrics) {
    this.channel = channel;
    this.metrics = metrics;
  }

  @Override
  public void success(InetSocketAddress address) {
    channel.writeAndFlush(reply(channel.alloc(), SUCCEEDED, address));
  }

  @Override
  public void failure(ProxyRefusal.Kind kind) {
    metrics.connectionRejected(Socks5FrontEnd.PROTOCOL, ProxyRefusals.label(kind));
    refuse(codeFor(kind));
  }

  /** Writes a failure reply and closes, counting nothing (the caller already did). */
  void refuse(int code) {
    channel.writeAndFlush(failure(channel.alloc(), code)).addListener(ChannelFutureListener.CLOSE);
  }

  static int codeFor(ProxyRefusal.Kind kind) {
    return switch (kind) {
      case NOT_ALLOWED -> NOT_ALLOWED;
      case HOST_UNREACHABLE, TIMEOUT -> HOST_UNREACHABLE;
      case NETWORK_UNREACHABLE -> NETWORK_UNREACHABLE;
      case CONNECTION_REFUSED -> CONNECTION_REFUSED;
      case GENERAL_FAILURE -> GENERAL_FAILURE;
    };
  }

  static ByteBuf methodSelection(ByteBufAllocator allocator, int method) {
    return allocator.buffer(2).writeByte(SocksVersions.SOCKS5).writeByte(method);
  }

  static ByteBuf authResult(ByteBufAllocator allocator, int status) {
    return allocator.buffer(2).writeByte(Socks5PasswordDecoder.VERSION).writeByte(status);
  }

  /** {@code VER REP RSV ATYP BND.ADDR BND.PORT}. */
  static ByteBuf reply(ByteBufAllocator allocator, int code, InetSocketAddress bound) {
    ByteBuf reply = allocator.buffer(22);
    reply.writeByte(SocksVersions.SOCKS5).writeByte(code).writeByte(0);
    Socks5Address.write(reply, bound);
    return reply;
  }

  /** A failure reply: the bound address is all zeros. */
  static ByteBuf failure(ByteBufAllocator allocator, int code) {
    return reply(allocator, code, UNSPECIFIED);
  }
}
