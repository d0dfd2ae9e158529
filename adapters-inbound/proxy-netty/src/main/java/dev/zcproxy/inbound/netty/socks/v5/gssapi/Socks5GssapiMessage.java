package dev.zcproxy.inbound.netty.socks.v5.gssapi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One SOCKS5 GSS-API message (RFC 1961 §3): {@code VER MTYP LEN TOKEN}, with VER 0x01 and a 16-bit
 * LEN, or the two-byte abort {@code VER 0xFF}.
 *
 * @param type {@link #AUTHENTICATION}, {@link #PROTECTION} or {@link #ABORT}
 * @param token the GSS-API token; empty only for an abort
 */
public record Socks5GssapiMessage(int type, byte[] token) {
  static final int VERSION = 0x01;

  /** Context establishment: a token of {@code gss_init_sec_context} or its answer. */
  public static final int AUTHENTICATION = 0x01;

  /** Protection-level negotiation: one octet, wrapped. */
  public static final int PROTECTION = 0x02;

  /** Per-message encapsulation of the SOCKS request and the tunnel's data. */
  public static final int ENCAPSULATION = 0x03;

  /** Either side gives up: {@code 0x01 0xFF}, nothing more, then close. */
  public static final int ABORT = 0xFF;

  /** RFC 1961 §3.3 and §4: the level the client asks for and the server grants. */
  public static final int LEVEL_NONE = 0x00;

  static final int MAX_TOKEN = 0xFFFF;

  public Socks5GssapiMessage {
    token = token.clone();
    if (token.length > MAX_TOKEN) {
      throw new IllegalArgumentException("a GSS-API token has at most 65535 bytes");
    }
  }

  public static Socks5GssapiMessage abort() {
    return new Socks5GssapiMessage(ABORT, new byte[0]);
  }

  /** The message on the wire. */
  public ByteBuf encode(ByteBufAllocator allocator) {
    if (type == ABORT) {
      return allocator.buffer(2).writeByte(VERSION).writeByte(ABORT);
    }
    return allocator
        .buffer(4 + token.length)
        .writeByte(VERSION)
        .writeByte(type)
        .writeShort(token.length)
        .writeBytes(token);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Socks5GssapiMessage message
        && type == message.type
        && Arrays.equals(token, message.token);
  }

  @Override
  public int hashCode() {
    return 31 * type + Arrays.hashCode(token);
  }

  @Override
  public String toString() {
    String shown = HexFormat.of().formatHex(token, 0, Math.min(token.length, 16));
    return "Socks5GssapiMessage[type=" + type + ", " + token.length + " bytes: " + shown + "]";
  }
}
