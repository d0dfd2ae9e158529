package dev.zcproxy.inbound.netty.socks.v5.gssapi;

import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes one RFC 1961 message, {@code VER MTYP LEN TOKEN}, of the type the handler waits for, or
 * the abort {@code VER 0xFF}. A wrong version, another type, an empty token or one longer than
 * {@code maxToken} (it could never arrive within the handshake byte cap) is refused as soon as its
 * header is seen, without waiting for the token. Like the other SOCKS5 decoders it serves one
 * message: bytes after it stay here until the handler replaces it with the next phase's decoder.
 */
public final class Socks5GssapiDecoder extends ByteToMessageDecoder {

  enum State {
    READ_HEADER,
    READ_TOKEN,
    DONE,
    FAILED
  }

  private final int expectedType;
  private final int maxToken;
  private State state = State.READ_HEADER;
  private int length;

  /**
   * @param expectedType the message type the client owes; an abort is always accepted
   * @param maxToken the longest token accepted, at most 65535
   */
  public Socks5GssapiDecoder(int expectedType, int maxToken) {
    this.expectedType = expectedType;
    this.maxToken = Math.min(maxToken, Socks5GssapiMessage.MAX_TOKEN);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_HEADER -> readHeader(in, out);
      case READ_TOKEN -> readToken(in, out);
      case DONE -> {}
      case FAILED -> in.skipBytes(in.readableBytes());
    }
  }

  private void readHeader(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 2) {
      return;
    }
    int version = in.getUnsignedByte(in.readerIndex());
    int messageType = in.getUnsignedByte(in.readerIndex() + 1);
    if (version != Socks5GssapiMessage.VERSION) {
      fail(in, out, "GSS-API message version " + version);
      return;
    }
    if (messageType == Socks5GssapiMessage.ABORT) {
      in.skipBytes(2);
      state = State.FAILED; // nothing may follow an abort
      out.add(Socks5GssapiMessage.abort());
      return;
    }
    if (messageType != expectedType) {
      fail(in, out, "GSS-API message type " + messageType + ", expected " + expectedType);
      return;
    }
    if (in.readableBytes() < 4) {
      return;
    }
    int tokenLength = in.getUnsignedShort(in.readerIndex() + 2);
    if (tokenLength == 0 || tokenLength > maxToken) {
      fail(in, out, "GSS-API token of " + tokenLength + " bytes");
      return;
    }
    in.skipBytes(4);
    length = tokenLength;
    state = State.READ_TOKEN;
    readToken(in, out);
  }

  private void readToken(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < length) {
      return;
    }
    byte[] token = new byte[length];
    in.readBytes(token);
    state = State.DONE;
    out.add(new Socks5GssapiMessage(expectedType, token));
  }

  private void fail(ByteBuf in, List<Object> out, String reason) {
    in.skipBytes(in.readableBytes());
    state = State.FAILED;
    out.add(new MalformedRequest(reason, Socks5GssapiMessage.ABORT));
  }
}
