package dev.zcproxy.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/**
 * The header in front of every datagram of a SOCKS5 UDP association (RFC 1928 §7): RSV (2 bytes,
 * zero), FRAG (0, no fragmentation), ATYP, DST.ADDR, DST.PORT, then the UDP payload. Requests name
 * where the payload goes, answers where it came from.
 */
final class Socks5UdpFraming {

  /** The header's size for an IPv4 address, the only kind this bench sends. */
  static final int IPV4_HEADER_BYTES = 10;

  private Socks5UdpFraming() {}

  /** A datagram for the relay: the header naming {@code destination}, then the payload. */
  static ByteBuf datagram(
      ByteBufAllocator allocator,
      InetSocketAddress destination,
      ByteBuf pattern,
      int payloadBytes) {
    byte[] address = destination.getAddress().getAddress();
    if (address.length != 4) {
      throw new IllegalArgumentException("IPv4 destinations only, not " + destination);
    }
    int length = IPV4_HEADER_BYTES + payloadBytes;
    ByteBuf out = allocator.directBuffer(length, length);
    out.writeShort(0); // RSV
    out.writeByte(0); // FRAG
    out.writeByte(0x01); // ATYP: IPv4
    out.writeBytes(address);
    out.writeShort(destination.getPort());
    out.writeBytes(pattern, pattern.readerIndex(), payloadBytes);
    return out;
  }

  /**
   * The UDP payload length of a datagram from the relay, or -1 when its header is malformed or
   * names a fragment. Reads nothing.
   */
  static int payloadLength(ByteBuf datagram) {
    int readable = datagram.readableBytes();
    if (readable < 4) {
      return -1;
    }
    int start = datagram.readerIndex();
    if (datagram.getUnsignedShort(start) != 0 || datagram.getUnsignedByte(start + 2) != 0) {
      return -1;
    }
    int header =
        switch (datagram.getUnsignedByte(start + 3)) {
          case 0x01 -> 4 + 4 + 2;
          case 0x04 -> 4 + 16 + 2;
          case 0x03 -> readable < 5 ? -1 : 4 + 1 + datagram.getUnsignedByte(start + 4) + 2;
          default -> -1;
        };
    return header < 0 || header > readable ? -1 : readable - header;
  }
}
