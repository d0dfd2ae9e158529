package dev.zcproxy.it.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * One capsule of the Capsule Protocol (RFC 9297 §3.2): a type, a length and a value, all on the
 * request stream's DATA. The test side's own reader: Flupke 0.9.4's {@code
 * CapsuleProtocolStreamImpl.receive()} returns a short value when a capsule spans DATA frames.
 *
 * @param type {@link #DATAGRAM} for HTTP Datagrams
 * @param value the capsule's value, for a DATAGRAM capsule of CONNECT-UDP the context ID and the
 *     UDP payload
 */
public record Capsule(long type, byte[] value) {

  /** The DATAGRAM capsule type (RFC 9297 §3.5). */
  public static final long DATAGRAM = 0x00;

  public Capsule {
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  /** A DATAGRAM capsule carrying one UDP payload on context ID 0 (RFC 9298 §4). */
  public static Capsule udpDatagram(byte[] udpPayload) {
    return new Capsule(DATAGRAM, Http3Wire.concat(Http3Wire.varint(0), udpPayload));
  }

  /** The UDP payload of a DATAGRAM capsule on context ID 0. */
  public byte[] udpPayload() {
    if (type != DATAGRAM) {
      throw new IllegalStateException(
          "capsule type 0x" + Long.toHexString(type) + " carries no UDP");
    }
    Http3Wire.Varint contextId = Http3Wire.Varint.decode(value, 0);
    if (contextId.value() != 0) {
      throw new IllegalStateException("context ID " + contextId.value() + ", expected 0");
    }
    return Arrays.copyOfRange(value, contextId.length(), value.length);
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(Http3Wire.varint(type));
    out.writeBytes(Http3Wire.varint(value.length));
    out.writeBytes(value);
    return out.toByteArray();
  }

  /**
   * Reads the next capsule from a stream's DATA payload, wherever the DATA frame boundaries fall.
   *
   * @return null at the end of the stream between two capsules
   * @throws EOFException when the stream ends inside a capsule
   */
  public static Capsule read(InputStream in) throws IOException {
    long type = Http3Wire.readVarint(in);
    if (type < 0) {
      return null;
    }
    long length = Http3Wire.readVarint(in);
    if (length < 0) {
      throw new EOFException("the stream ended inside a capsule header");
    }
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("capsule of " + length + " bytes");
    }
    byte[] value = in.readNBytes((int) length);
    if (value.length != length) {
      throw new EOFException(
          "the stream ended after " + value.length + " of a capsule's " + length + " bytes");
    }
    return new Capsule(type, value);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Capsule that && type == that.type && Arrays.equals(value, that.value);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(type) * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "Capsule[type=0x" + Long.toHexString(type) + ", " + value.length + " bytes]";
  }
}
