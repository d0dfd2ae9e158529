package dev.zcproxy.it.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The address encoding RFC 1928 uses in requests, replies and UDP headers (ATYP 1, 3, 4). */
final class Socks5Wire {
  static final int ATYP_IPV4 = 0x01;
  static final int ATYP_DOMAIN = 0x03;
  static final int ATYP_IPV6 = 0x04;

  private Socks5Wire() {}

  /** An unresolved address goes out as a domain name, a resolved one as IPv4 or IPv6. */
  static void writeAddress(DataOutputStream out, InetSocketAddress address) throws IOException {
    if (address.isUnresolved()) {
      byte[] name = address.getHostString().getBytes(StandardCharsets.US_ASCII);
      out.writeByte(ATYP_DOMAIN);
      out.writeByte(name.length);
      out.write(name);
    } else {
      InetAddress ip = address.getAddress();
      out.writeByte(ip instanceof Inet4Address ? ATYP_IPV4 : ATYP_IPV6);
      out.write(ip.getAddress());
    }
    out.writeShort(address.getPort());
  }

  static InetSocketAddress readAddress(DataInputStream in) throws IOException {
    int type = in.readUnsignedByte();
    return switch (type) {
      case ATYP_IPV4 ->
          new InetSocketAddress(InetAddress.getByAddress(in.readNBytes(4)), readPort(in));
      case ATYP_IPV6 ->
          new InetSocketAddress(InetAddress.getByAddress(in.readNBytes(16)), readPort(in));
      case ATYP_DOMAIN -> {
        String host = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
        yield InetSocketAddress.createUnresolved(host, readPort(in));
      }
      default -> throw new IOException("the proxy sent an unknown address type " + type);
    };
  }

  private static int readPort(DataInputStream in) throws IOException {
    return in.readUnsignedShort();
  }
}
