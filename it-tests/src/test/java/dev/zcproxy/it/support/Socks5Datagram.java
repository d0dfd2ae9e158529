package dev.zcproxy.it.support;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * A datagram of a SOCKS5 UDP association: RSV(2) FRAG(1) ATYP DST.ADDR DST.PORT DATA (RFC 1928
 * section 7). Towards the relay the address is the destination; from the relay it is the peer that
 * answered.
 */
public record Socks5Datagram(InetSocketAddress address, byte[] payload) {

  public byte[] toBytes() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeShort(0); // RSV
      out.writeByte(0); // FRAG: this client never fragments
      Socks5Wire.writeAddress(out, address);
      out.write(payload);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen on a byte array", e);
    }
  }

  public DatagramPacket toPacket(InetSocketAddress relay) {
    byte[] bytes = toBytes();
    return new DatagramPacket(bytes, bytes.length, relay);
  }

  public static Socks5Datagram parse(DatagramPacket packet) throws IOException {
    DataInputStream in =
        new DataInputStream(
            new ByteArrayInputStream(packet.getData(), packet.getOffset(), packet.getLength()));
    int reserved = in.readUnsignedShort();
    int fragment = in.readUnsignedByte();
    if (reserved != 0 || fragment != 0) {
      throw new IOException("RSV " + reserved + " FRAG " + fragment + " from the relay");
    }
    InetSocketAddress address = Socks5Wire.readAddress(in);
    return new Socks5Datagram(address, in.readAllBytes());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Socks5Datagram that
        && address.equals(that.address)
        && Arrays.equals(payload, that.payload);
  }

  @Override
  public int hashCode() {
    return 31 * address.hashCode() + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "Socks5Datagram[" + address + ", " + payload.length + " bytes]";
  }
}
