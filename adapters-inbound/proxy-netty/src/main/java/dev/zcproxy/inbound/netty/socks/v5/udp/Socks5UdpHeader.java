package dev.zcproxy.inbound.netty.socks.v5.udp;

import dev.zcproxy.inbound.netty.socks.v5.Socks5Address;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The header in front of every datagram between a SOCKS5 client and its UDP relay (RFC 1928 §7):
 * {@code RSV(2) FRAG(1) ATYP ADDR PORT}, then the payload. From the client it names the
 * destination; towards the client it names the source the payload came from.
 *
 * @param fragment the FRAG octet; 0 is a whole datagram, anything else a fragment
 * @param destination DST.ADDR and DST.PORT, exactly as the client wrote them
 */
record Socks5UdpHeader(int fragment, Destination destination) {

  /** RSV(2) and FRAG(1), the part in front of the address block. */
  private static final int PREFIX_LENGTH = 3;

  /** A datagram too short or too odd to carry a header. The relay drops it silently. */
  static final class MalformedHeader extends Exception {
    MalformedHeader(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Reads the header of one whole datagram and leaves the reader index at the first payload byte. A
   * datagram is never split across reads, so anything short is malformed, not "wait for more".
   */
  static Socks5UdpHeader read(ByteBuf datagram) throws MalformedHeader {
    if (datagram.readableBytes() < PREFIX_LENGTH + 1) {
      throw new MalformedHeader("datagram shorter than a SOCKS5 UDP header");
    }
    if (datagram.readUnsignedShort() != 0) {
      throw new MalformedHeader("reserved field is not zero");
    }
    int fragment = datagram.readUnsignedByte();
    try {
      int addressLength = Socks5Address.encodedLength(datagram);
      if (addressLength < 0 || datagram.readableBytes() < addressLength) {
        throw new MalformedHeader("truncated address");
      }
      return new Socks5UdpHeader(fragment, Socks5Address.read(datagram));
    } catch (Socks5Address.UnsupportedAddressType | Socks5Address.MalformedAddress invalid) {
      throw new MalformedHeader(invalid.getMessage());
    }
  }

  /** How many bytes {@link #write} produces for {@code source}. */
  static int encodedLength(InetSocketAddress source) {
    int addressBytes = source.getAddress() instanceof Inet6Address ? 16 : 4;
    return PREFIX_LENGTH + 1 + addressBytes + 2;
  }

  /** Writes the header for a whole (unfragmented) datagram that came from {@code source}. */
  static void write(ByteBuf out, InetSocketAddress source) {
    out.writeZero(PREFIX_LENGTH);
    Socks5Address.write(out, source);
  }
}
