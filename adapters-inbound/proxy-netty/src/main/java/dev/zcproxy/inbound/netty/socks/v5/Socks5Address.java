package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.domain.model.HostNames;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The SOCKS5 address block, {@code ATYP ADDR PORT} (RFC 1928 §4, §5), shared by command requests,
 * replies and the UDP request header.
 */
public final class Socks5Address {
  static final int IPV4 = 0x01;
  static final int DOMAIN = 0x03;
  public static final int IPV6 = 0x04;

  /** Thrown for an unknown ATYP; the caller replies 0x08. */
  public static final class UnsupportedAddressType extends Exception {
    UnsupportedAddressType(int atyp) {
      super("unsupported SOCKS5 address type 0x" + Integer.toHexString(atyp), null, false, false);
    }
  }

  /** Thrown for an empty or invalid domain name; the caller replies 0x01 (general failure). */
  public static final class MalformedAddress extends Exception {
    MalformedAddress(String message) {
      super(message, null, false, false);
    }
  }

  private Socks5Address() {}

  /**
   * How many bytes the address block starting at {@code in.readerIndex()} needs, or -1 if not
   * enough bytes have arrived to know. Does not move the reader index.
   *
   * @throws UnsupportedAddressType for an unknown ATYP
   */
  public static int encodedLength(ByteBuf in) throws UnsupportedAddressType {
    if (!in.isReadable()) {
      return -1;
    }
    int atyp = in.getUnsignedByte(in.readerIndex());
    return switch (atyp) {
      case IPV4 -> 1 + 4 + 2;
      case IPV6 -> 1 + 16 + 2;
      case DOMAIN ->
          in.readableBytes() < 2 ? -1 : 1 + 1 + in.getUnsignedByte(in.readerIndex() + 1) + 2;
      default -> throw new UnsupportedAddressType(atyp);
    };
  }

  /**
   * Reads a complete address block (check {@link #encodedLength} first). A domain that is really an
   * IP literal is returned as an address, so it goes through the same checks.
   */
  public static Destination read(ByteBuf in) throws UnsupportedAddressType, MalformedAddress {
    int atyp = in.readUnsignedByte();
    switch (atyp) {
      case IPV4, IPV6 -> {
        byte[] bytes = new byte[atyp == IPV4 ? 4 : 16];
        in.readBytes(bytes);
        int port = in.readUnsignedShort();
        try {
          return Destination.ofAddress(InetAddress.getByAddress(bytes), port);
        } catch (java.net.UnknownHostException impossible) {
          throw new MalformedAddress("bad address length");
        }
      }
      case DOMAIN -> {
        int length = in.readUnsignedByte();
        String name = in.readCharSequence(length, StandardCharsets.US_ASCII).toString();
        int port = in.readUnsignedShort();
        if (length == 0) {
          throw new MalformedAddress("empty domain name");
        }
        InetAddress literal = HostNames.parseLiteral(name);
        if (literal != null) {
          return Destination.ofAddress(literal, port);
        }
        try {
          return Destination.ofHost(HostNames.requireHostName(name), port);
        } catch (IllegalArgumentException invalid) {
          throw new MalformedAddress("invalid domain name");
        }
      }
      default -> throw new UnsupportedAddressType(atyp);
    }
  }

  /** Writes {@code ATYP ADDR PORT} for a bound or peer address. */
  public static void write(ByteBuf out, InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    if (ip instanceof Inet6Address) {
      out.writeByte(IPV6).writeBytes(ip.getAddress());
    } else if (ip instanceof Inet4Address) {
      out.writeByte(IPV4).writeBytes(ip.getAddress());
    } else {
      out.writeByte(IPV4).writeZero(4);
    }
    out.writeShort(address.getPort());
  }
}
