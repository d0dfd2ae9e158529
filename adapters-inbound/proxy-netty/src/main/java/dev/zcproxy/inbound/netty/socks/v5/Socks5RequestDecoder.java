package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import dev.zcproxy.inbound.netty.socks.SocksCommand;
import dev.zcproxy.inbound.netty.socks.SocksVersions;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes the SOCKS5 request, {@code VER CMD RSV ATYP DST.ADDR DST.PORT}. Refusals carry the RFC
 * 1928 reply code: 0x01 for a wrong version or a malformed domain, 0x08 for an unknown address type
 * (known from the ATYP byte alone), 0x07 for an unknown command (once the whole request is in).
 * Bytes after the request are left for the handler: they are the client's early data.
 */
final class Socks5RequestDecoder extends ByteToMessageDecoder {

  enum State {
    READ_HEADER,
    READ_ADDRESS,
    DONE,
    FAILED
  }

  private static final int HEADER_LENGTH = 3;

  private State state = State.READ_HEADER;
  private int commandCode;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_HEADER -> {
        if (in.readableBytes() < HEADER_LENGTH) {
          return;
        }
        int version = in.readUnsignedByte();
        commandCode = in.readUnsignedByte();
        in.skipBytes(1); // RSV: ignored, as most servers do
        if (version != SocksVersions.SOCKS5) {
          fail(in, out, "request version " + version, Socks5Replies.GENERAL_FAILURE);
          return;
        }
        state = State.READ_ADDRESS;
        readAddress(in, out);
      }
      case READ_ADDRESS -> readAddress(in, out);
      case DONE -> {}
      case FAILED -> in.skipBytes(in.readableBytes());
    }
  }

  private void readAddress(ByteBuf in, List<Object> out) {
    Destination destination;
    try {
      int length = Socks5Address.encodedLength(in);
      if (length < 0 || in.readableBytes() < length) {
        return;
      }
      destination = Socks5Address.read(in);
    } catch (Socks5Address.UnsupportedAddressType unsupported) {
      fail(in, out, unsupported.getMessage(), Socks5Replies.ADDRESS_TYPE_NOT_SUPPORTED);
      return;
    } catch (Socks5Address.MalformedAddress malformed) {
      fail(in, out, malformed.getMessage(), Socks5Replies.GENERAL_FAILURE);
      return;
    }
    SocksCommand command = SocksCommand.socks5(commandCode);
    if (command == null) {
      fail(
          in,
          out,
          "command 0x" + Integer.toHexString(commandCode),
          Socks5Replies.COMMAND_NOT_SUPPORTED);
      return;
    }
    state = State.DONE;
    out.add(new Socks5CommandRequest(command, destination));
  }

  private void fail(ByteBuf in, List<Object> out, String reason, int replyCode) {
    in.skipBytes(in.readableBytes());
    state = State.FAILED;
    out.add(new MalformedRequest(reason, replyCode));
  }
}
