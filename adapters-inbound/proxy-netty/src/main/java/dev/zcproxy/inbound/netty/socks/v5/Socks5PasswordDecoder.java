package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes the RFC 1929 request, {@code VER ULEN UNAME PLEN PASSWD}, with VER 0x01 and both lengths
 * 1-255. A wrong version or an empty field is refused as soon as it is seen. Names and passwords
 * are taken as UTF-8.
 */
final class Socks5PasswordDecoder extends ByteToMessageDecoder {
  static final int VERSION = 0x01;

  enum State {
    READ_VERSION,
    READ_USERNAME,
    READ_PASSWORD,
    DONE,
    FAILED
  }

  private State state = State.READ_VERSION;
  private String username;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_VERSION -> {
        if (!in.isReadable()) {
          return;
        }
        int version = in.readUnsignedByte();
        if (version != VERSION) {
          fail(in, out, "subnegotiation version " + version);
          return;
        }
        state = State.READ_USERNAME;
        readUsername(in, out);
      }
      case READ_USERNAME -> readUsername(in, out);
      case READ_PASSWORD -> readPassword(in, out);
      case DONE -> {}
      case FAILED -> in.skipBytes(in.readableBytes());
    }
  }

  private void readUsername(ByteBuf in, List<Object> out) {
    String field = readField(in, out, "user name");
    if (field != null) {
      username = field;
      state = State.READ_PASSWORD;
      readPassword(in, out);
    }
  }

  private void readPassword(ByteBuf in, List<Object> out) {
    String field = readField(in, out, "password");
    if (field != null) {
      state = State.DONE;
      out.add(new Socks5PasswordRequest(username, field));
    }
  }

  /** A length-prefixed field, or null when incomplete or refused (then {@code out} says so). */
  private String readField(ByteBuf in, List<Object> out, String what) {
    if (!in.isReadable()) {
      return null;
    }
    int length = in.getUnsignedByte(in.readerIndex());
    if (length == 0) {
      fail(in, out, "empty " + what);
      return null;
    }
    if (in.readableBytes() < 1 + length) {
      return null;
    }
    in.skipBytes(1);
    return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
  }

  private void fail(ByteBuf in, List<Object> out, String reason) {
    in.skipBytes(in.readableBytes());
    state = State.FAILED;
    out.add(new MalformedRequest(reason, Socks5Replies.AUTH_FAILURE));
  }
}
