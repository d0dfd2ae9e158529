package dev.zcproxy.inbound.netty.http.h3.masque;

import io.netty.buffer.ByteBuf;

/**
 * QUIC's variable-length integer (RFC 9000 §16), which HTTP/3 reuses for every number on the wire
 * and RFC 9297 for the Quarter Stream ID, the capsule type and length, and RFC 9298 for the context
 * ID. The two high bits of the first byte give the encoded length (1, 2, 4 or 8 bytes) and the
 * remaining 6, 14, 30 or 62 bits the value, in network byte order.
 *
 * <p>Netty's QUIC codec keeps its own copy private, and the capsule and datagram codecs of this
 * package have to read these integers out of buffers that may end mid-integer, hence this class.
 */
public final class QuicVarint {

  /** The largest value a varint can carry, {@code 2^62 - 1}. */
  public static final long MAX_VALUE = (1L << 62) - 1;

  private static final long MAX_ONE_BYTE = (1L << 6) - 1;
  private static final long MAX_TWO_BYTES = (1L << 14) - 1;
  private static final long MAX_FOUR_BYTES = (1L << 30) - 1;

  private QuicVarint() {}

  /**
   * How many bytes the minimal encoding of {@code value} takes: 1, 2, 4 or 8. Senders use the
   * minimal encoding so that receivers with tight size limits see the smallest frames.
   *
   * @throws IllegalArgumentException when {@code value} is negative or above {@link #MAX_VALUE}
   */
  public static int encodedLength(long value) {
    if (value < 0 || value > MAX_VALUE) {
      throw new IllegalArgumentException("not a QUIC varint value: " + value);
    }
    if (value <= MAX_ONE_BYTE) {
      return 1;
    }
    if (value <= MAX_TWO_BYTES) {
      return 2;
    }
    return value <= MAX_FOUR_BYTES ? 4 : 8;
  }

  /**
   * Writes {@code value} in its minimal encoding.
   *
   * @throws IllegalArgumentException when {@code value} is negative or above {@link #MAX_VALUE}
   */
  public static void write(ByteBuf out, long value) {
    switch (encodedLength(value)) {
      case 1 -> out.writeByte((int) value);
      case 2 -> out.writeShort((int) value | 0x4000);
      case 4 -> out.writeInt((int) value | 0x8000_0000);
      default -> out.writeLong(value | 0xC000_0000_0000_0000L);
    }
  }

  /**
   * The encoded length a varint whose first byte is {@code firstByte} announces: the two high bits
   * select 1, 2, 4 or 8. Every first byte announces a valid length, so this never fails.
   */
  static int lengthOfPrefix(int firstByte) {
    return 1 << ((firstByte & 0xFF) >>> 6);
  }

  /**
   * The encoded length of the varint at the reader index of {@code in}, without consuming it, or -1
   * when {@code in} has nothing readable. Lets a caller check that a varint fits in a bounded field
   * before it reads it.
   */
  public static int peekLength(ByteBuf in) {
    return in.isReadable() ? lengthOfPrefix(in.getByte(in.readerIndex())) : -1;
  }

  /**
   * Reads one varint and consumes its bytes, or returns -1 and consumes nothing when {@code in}
   * holds fewer bytes than the first byte announces (or none at all), so that a caller fed by a
   * stream can wait for more. Non-minimal encodings are accepted, as RFC 9000 §16 allows them.
   */
  public static long read(ByteBuf in) {
    int length = peekLength(in);
    if (length < 0 || in.readableBytes() < length) {
      return -1;
    }
    return switch (length) {
      case 1 -> in.readUnsignedByte();
      case 2 -> in.readUnsignedShort() & 0x3FFF;
      case 4 -> in.readUnsignedInt() & 0x3FFF_FFFFL;
      default -> in.readLong() & MAX_VALUE;
    };
  }
}
