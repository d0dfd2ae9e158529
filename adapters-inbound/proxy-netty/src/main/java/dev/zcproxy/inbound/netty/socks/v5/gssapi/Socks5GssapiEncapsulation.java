package dev.zcproxy.inbound.netty.socks.v5.gssapi;

import dev.zcproxy.inbound.netty.auth.kerberos.KerberosExchange;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.relay.Encapsulation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import java.util.List;
import org.ietf.jgss.GSSException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 1961 §5 per-message protection: after a protection level above "none" is granted, every byte
 * either way travels in {@code 0x01 0x03 LEN TOKEN} messages, each token a {@code gss_wrap} of a
 * chunk. Sits in the client pipeline below the SOCKS request decoder, and stays there for the
 * tunnel: the relay reads and writes plain bytes through it, so such a tunnel always takes the copy
 * relay (splice would move tokens, not bytes). A message that is malformed or does not unwrap
 * closes the connection: the stream can no longer be trusted.
 */
public final class Socks5GssapiEncapsulation extends ByteToMessageCodec<ByteBuf>
    implements Encapsulation {
  private static final Logger log = LoggerFactory.getLogger(Socks5GssapiEncapsulation.class);

  /**
   * Plain bytes per wrapped message: a token adds a few dozen bytes, and must stay under 64 KiB.
   */
  static final int MAX_CHUNK = 16 * 1024;

  private final KerberosExchange exchange;
  private final boolean confidential;
  private boolean failed;

  public Socks5GssapiEncapsulation(KerberosExchange exchange, boolean confidential) {
    super(ByteBuf.class);
    this.exchange = exchange;
    this.confidential = confidential;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, ByteBuf plain, ByteBuf out) throws GSSException {
    while (plain.isReadable()) {
      byte[] chunk = new byte[Math.min(plain.readableBytes(), MAX_CHUNK)];
      plain.readBytes(chunk);
      byte[] token = exchange.wrap(chunk, confidential);
      out.writeByte(Socks5GssapiMessage.VERSION)
          .writeByte(Socks5GssapiMessage.ENCAPSULATION)
          .writeShort(token.length)
          .writeBytes(token);
    }
  }

  /**
   * {@code plain} as encapsulated messages, for a reply written below this codec in the pipeline
   * (the {@link HandshakeGuard}'s); null when it cannot be wrapped. Takes ownership of {@code
   * plain}.
   */
  public ByteBuf encapsulate(ByteBufAllocator allocator, ByteBuf plain) {
    ByteBuf out = allocator.buffer();
    try {
      encode(null, plain, out);
      return out;
    } catch (GSSException unwrappable) {
      out.release();
      log.debug(
          "a reply could not be encapsulated, closing without it: {}", unwrappable.toString());
      return null;
    } finally {
      plain.release();
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    while (in.readableBytes() >= 4) {
      int version = in.getUnsignedByte(in.readerIndex());
      int type = in.getUnsignedByte(in.readerIndex() + 1);
      int length = in.getUnsignedShort(in.readerIndex() + 2);
      if (version != Socks5GssapiMessage.VERSION
          || type != Socks5GssapiMessage.ENCAPSULATION
          || length == 0) {
        fail(ctx, in, "message " + version + " " + type + " of " + length + " bytes");
        return;
      }
      if (in.readableBytes() < 4 + length) {
        return;
      }
      in.skipBytes(4);
      byte[] token = new byte[length];
      in.readBytes(token);
      try {
        out.add(Unpooled.wrappedBuffer(exchange.unwrap(token)));
      } catch (GSSException refused) {
        fail(ctx, in, refused.toString());
        return;
      }
    }
  }

  private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason) {
    failed = true;
    in.skipBytes(in.readableBytes());
    log.debug("{}: GSS-API encapsulation broken, closing: {}", ctx.channel(), reason);
    ctx.close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    try {
      super.handlerRemoved(ctx);
    } finally {
      exchange.close();
    }
  }
}
