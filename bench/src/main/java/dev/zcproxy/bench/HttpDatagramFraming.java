package dev.zcproxy.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The client's framing of CONNECT-UDP (RFC 9298) payloads, kept apart from the proxy's so that the
 * bench checks the wire format instead of sharing the proxy's reading of it:
 *
 * <ul>
 *   <li>a QUIC DATAGRAM frame's payload (RFC 9297 §2.1): Quarter Stream ID (the request stream's ID
 *       divided by four), context ID 0 (RFC 9298 §5), the UDP payload;
 *   <li>a DATAGRAM capsule (RFC 9297 §3.5) in the request stream's DATA frames: type 0x00, length,
 *       then context ID 0 and the UDP payload. The proxy answers in capsules when it does not take
 *       the client for one that receives QUIC datagrams.
 * </ul>
 *
 * Every number is a QUIC variable-length integer (RFC 9000 §16), written in its shortest form.
 */
final class HttpDatagramFraming {

  /** The context ID of a whole UDP payload (RFC 9298 §5). */
  static final long UDP_PAYLOAD_CONTEXT_ID = 0;

  /** The DATAGRAM capsule's type (RFC 9297 §3.5). */
  static final long DATAGRAM_CAPSULE_TYPE = 0x00;

  static final long MAX_VARINT = (1L << 62) - 1;

  private HttpDatagramFraming() {}

  /** 1, 2, 4 or 8: the bytes of {@code value}'s shortest encoding. */
  static int varintLength(long value) {
    if (value < 0 || value > MAX_VARINT) {
      throw new IllegalArgumentException("not a QUIC varint value: " + value);
    }
    if (value < 1L << 6) {
      return 1;
    }
    if (value < 1L << 14) {
      return 2;
    }
    return value < 1L << 30 ? 4 : 8;
  }

  static void writeVarint(ByteBuf out, long value) {
    switch (varintLength(value)) {
      case 1 -> out.writeByte((int) value);
      case 2 -> out.writeShort((int) value | 0x4000);
      case 4 -> out.writeInt((int) value | 0x8000_0000);
      default -> out.writeLong(value | 0xC000_0000_0000_0000L);
    }
  }

  /**
   * Reads one varint, or returns -1 and reads nothing when {@code in} holds fewer bytes than its
   * first byte announces.
   */
  static long readVarint(ByteBuf in) {
    if (!in.isReadable()) {
      return -1;
    }
    int first = in.getUnsignedByte(in.readerIndex());
    int length = 1 << (first >>> 6);
    if (in.readableBytes() < length) {
      return -1;
    }
    return switch (length) {
      case 1 -> in.readUnsignedByte();
      case 2 -> in.readUnsignedShort() & 0x3FFF;
      case 4 -> in.readUnsignedInt() & 0x3FFF_FFFFL;
      default -> in.readLong() & MAX_VARINT;
    };
  }

  /**
   * A QUIC DATAGRAM frame's payload carrying {@code payloadBytes} bytes of {@code pattern} for the
   * request stream {@code streamId}.
   */
  static ByteBuf quicDatagram(
      ByteBufAllocator allocator, long streamId, ByteBuf pattern, int payloadBytes) {
    if (streamId < 0 || streamId % 4 != 0) {
      throw new IllegalArgumentException(
          "not a client-initiated bidirectional stream: " + streamId);
    }
    long quarterStreamId = streamId / 4;
    int length =
        varintLength(quarterStreamId) + varintLength(UDP_PAYLOAD_CONTEXT_ID) + payloadBytes;
    ByteBuf out = allocator.directBuffer(length, length);
    writeVarint(out, quarterStreamId);
    writeVarint(out, UDP_PAYLOAD_CONTEXT_ID);
    out.writeBytes(pattern, pattern.readerIndex(), payloadBytes);
    return out;
  }

  /**
   * The UDP payload length of a QUIC DATAGRAM frame's payload for {@code streamId} with context ID
   * 0, or -1 when it is for another stream, another context, or malformed. Reads nothing.
   */
  static int udpPayloadLength(ByteBuf quicDatagram, long streamId) {
    ByteBuf cursor = quicDatagram.duplicate();
    long quarterStreamId = readVarint(cursor);
    if (quarterStreamId < 0 || quarterStreamId * 4 != streamId) {
      return -1;
    }
    long contextId = readVarint(cursor);
    if (contextId != UDP_PAYLOAD_CONTEXT_ID) {
      return -1;
    }
    return cursor.readableBytes();
  }
}
