package dev.zcproxy.inbound.netty.http.h3.masque;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Writes capsules (RFC 9297 §3.2) onto the DATA stream of a CONNECT-UDP request: {@code Type (i),
 * Length (i), Value}. The proxy only ever sends DATAGRAM capsules, for UDP payloads that arrive
 * while the client cannot take QUIC DATAGRAM frames (HTTP/1.1 and HTTP/2, or HTTP/3 without
 * datagrams). {@link CapsuleDecoder} reads them.
 */
public final class Capsules {

  /** The capsule type of DATAGRAM (RFC 9297 §3.5), whose value is an HTTP Datagram Payload. */
  public static final long DATAGRAM_TYPE = 0x00;

  private Capsules() {}

  /**
   * Encodes a DATAGRAM capsule carrying {@code udpPayload} with context ID 0 (RFC 9298 §5), in a
   * new buffer of exactly the right size. Reads {@code udpPayload}'s readable bytes without moving
   * its indexes or releasing it.
   */
  public static ByteBuf encodeDatagram(ByteBufAllocator allocator, ByteBuf udpPayload) {
    long valueLength =
        QuicVarint.encodedLength(HttpDatagrams.UDP_PAYLOAD_CONTEXT_ID)
            + (long) udpPayload.readableBytes();
    int length =
        Math.toIntExact(
            QuicVarint.encodedLength(DATAGRAM_TYPE)
                + QuicVarint.encodedLength(valueLength)
                + valueLength);
    ByteBuf out = allocator.buffer(length, length);
    QuicVarint.write(out, DATAGRAM_TYPE);
    QuicVarint.write(out, valueLength);
    HttpDatagrams.writeUdpHttpDatagram(out, udpPayload);
    return out;
  }
}
