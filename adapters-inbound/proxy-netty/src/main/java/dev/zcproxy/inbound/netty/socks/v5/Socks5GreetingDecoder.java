package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import dev.zcproxy.inbound.netty.socks.SocksVersions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes the SOCKS5 greeting, {@code VER NMETHODS METHODS}. NMETHODS = 0 is passed on as a
 * greeting that offers nothing, which the handler refuses with 0xFF. Bytes after the greeting stay
 * here until the handler replaces this decoder; Netty then hands them to the next phase's decoder.
 */
final class Socks5GreetingDecoder extends ByteToMessageDecoder {

  enum State {
    READ_HEADER,
    READ_METHODS,
    DONE
  }

  private State state = State.READ_HEADER;
  private int methodCount;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_HEADER -> {
        if (in.readableBytes() < 2) {
          return;
        }
        int version = in.readUnsignedByte();
        methodCount = in.readUnsignedByte();
        if (version != SocksVersions.SOCKS5) {
          // Only reachable if used without the detector; there is no reply before selection.
          in.skipBytes(in.readableBytes());
          state = State.DONE;
          out.add(new MalformedRequest("greeting version " + version, 0));
          return;
        }
        state = State.READ_METHODS;
        readMethods(in, out);
      }
      case READ_METHODS -> readMethods(in, out);
      case DONE -> {}
    }
  }

  private void readMethods(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < methodCount) {
      return;
    }
    byte[] methods = new byte[methodCount];
    in.readBytes(methods);
    state = State.DONE;
    out.add(new Socks5Greeting(methods));
  }
}
