package dev.zcproxy.it.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The byte-level pieces of HTTP/3 the QUIC tests write and read themselves: QUIC variable-length
 * integers (RFC 9000 §16), HTTP/3 frames (RFC 9114 §7.1) and HTTP Datagrams (RFC 9297 §2.1).
 */
public final class Http3Wire {
  private Http3Wire() {}

  public static final long FRAME_DATA = 0x00;
  public static final long FRAME_HEADERS = 0x01;
  public static final long FRAME_SETTINGS = 0x04;

  public static final long SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x08;
  public static final long SETTINGS_H3_DATAGRAM = 0x33;

  /** A decoded variable-length integer and how many bytes it took. */
  public record Varint(long value, int length) {

    public static Varint decode(byte[] bytes, int offset) {
      if (offset >= bytes.length) {
        throw new IllegalArgumentException("no variable-length integer at offset " + offset);
      }
      int length = 1 << ((bytes[offset] & 0xC0) >> 6);
      if (offset + length > bytes.length) {
        throw new IllegalArgumentException("a " + length + "-byte integer is cut short");
      }
      long value = bytes[offset] & 0x3F;
      for (int i = 1; i < length; i++) {
        value = (value << 8) | (bytes[offset + i] & 0xFF);
      }
      return new Varint(value, length);
    }
  }

  public static byte[] varint(long value) {
    if (value < 0 || value > 0x3FFF_FFFF_FFFF_FFFFL) {
      throw new IllegalArgumentException("not a QUIC varint: " + value);
    }
    int length = value < 0x40 ? 1 : value < 0x4000 ? 2 : value < 0x4000_0000 ? 4 : 8;
    byte[] bytes = new byte[length];
    long rest = value;
    for (int i = length - 1; i >= 0; i--) {
      bytes[i] = (byte) rest;
      rest >>>= 8;
    }
    bytes[0] |= (byte) (Integer.numberOfTrailingZeros(length) << 6);
    return bytes;
  }

  /**
   * Reads a variable-length integer byte by byte, each masked to 0-255 whatever the stream's {@code
   * read()} returns.
   *
   * @return -1 at the end of the stream before the first byte
   */
  public static long readVarint(InputStream in) throws IOException {
    int first = readUnsigned(in);
    if (first < 0) {
      return -1;
    }
    int length = 1 << (first >> 6);
    long value = first & 0x3F;
    for (int i = 1; i < length; i++) {
      int next = readUnsigned(in);
      if (next < 0) {
        throw new EOFException("the stream ended inside a variable-length integer");
      }
      value = (value << 8) | next;
    }
    return value;
  }

  /** One byte, 0-255, or -1 at the end; through {@code read(byte[], int, int)} only. */
  public static int readUnsigned(InputStream in) throws IOException {
    byte[] one = new byte[1];
    int read;
    do {
      read = in.read(one, 0, 1);
    } while (read == 0);
    return read < 0 ? -1 : one[0] & 0xFF;
  }

  /** An HTTP/3 frame: type, length, payload. */
  public static byte[] frame(long type, byte[] payload) {
    return concat(varint(type), varint(payload.length), payload);
  }

  /**
   * An HTTP Datagram of CONNECT-UDP as a QUIC DATAGRAM frame carries it: the request stream's
   * quarter stream ID, context ID 0, the UDP payload.
   */
  public static byte[] udpHttpDatagram(long streamId, byte[] udpPayload) {
    return concat(varint(streamId / 4), varint(0), udpPayload);
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
