package dev.zcproxy.inbound.netty.http.h3.masque;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The two framings of an HTTP Datagram that carries UDP for CONNECT-UDP.
 *
 * <ul>
 *   <li>In a QUIC DATAGRAM frame (RFC 9297 §2.1): {@code Quarter Stream ID (i)} and then the HTTP
 *       Datagram Payload. The Quarter Stream ID is the request stream's ID divided by four, since
 *       only client-initiated bidirectional streams (IDs that are multiples of four) carry
 *       requests.
 *   <li>The HTTP Datagram Payload of a UDP proxying request (RFC 9298 §5): {@code Context ID (i)}
 *       and then the UDP proxying payload. Context ID 0 carries a whole UDP payload; other context
 *       IDs belong to extensions, which the caller drops or buffers (RFC 9298 §5). This is also the
 *       value of a DATAGRAM capsule (RFC 9297 §3.5), see {@link CapsuleDecoder}.
 * </ul>
 *
 * <p>The parsers take a whole datagram: a QUIC DATAGRAM frame is never split, so anything short is
 * malformed, not "wait for more". They leave the input's indexes alone and hand back a slice of it.
 */
public final class HttpDatagrams {

  /** The context ID whose payload is a whole UDP payload (RFC 9298 §5). */
  public static final long UDP_PAYLOAD_CONTEXT_ID = 0;

  /**
   * The largest legal Quarter Stream ID, {@code 2^60 - 1}: the largest stream ID is {@code 2^62 -
   * 1} (RFC 9297 §2.1).
   */
  public static final long MAX_QUARTER_STREAM_ID = QuicVarint.MAX_VALUE / 4;

  private HttpDatagrams() {}

  /**
   * A datagram that cannot be parsed. RFC 9297 §2.1 makes a bad Quarter Stream ID an HTTP/3
   * connection error ({@code H3_DATAGRAM_ERROR}); a bad context ID is only the request stream's
   * problem, so {@link #connectionError()} tells the caller which one it has.
   */
  public static final class MalformedDatagram extends Exception {

    private final boolean connectionError;

    MalformedDatagram(String message, boolean connectionError) {
      super(message, null, false, false);
      this.connectionError = connectionError;
    }

    /** True when the Quarter Stream ID itself is missing, truncated or out of range. */
    public boolean connectionError() {
      return connectionError;
    }
  }

  /**
   * The HTTP Datagram Payload of a UDP proxying request.
   *
   * @param contextId which payload this is; {@link #UDP_PAYLOAD_CONTEXT_ID} for UDP
   * @param payload the bytes after the context ID, possibly empty: a slice of the parsed buffer
   *     that shares its memory and reference count and is not retained, so it lives as long as the
   *     parsed buffer does ({@code retain()} it to keep it longer)
   */
  public record HttpDatagram(long contextId, ByteBuf payload) {}

  /**
   * A QUIC DATAGRAM frame's payload, taken apart.
   *
   * @param streamId the request stream the datagram belongs to: the Quarter Stream ID times four
   * @param contextId which payload this is; {@link #UDP_PAYLOAD_CONTEXT_ID} for UDP
   * @param payload the bytes after the context ID, possibly empty: a slice that is not retained, as
   *     in {@link HttpDatagram#payload()}
   */
  public record QuicDatagram(long streamId, long contextId, ByteBuf payload) {}

  /**
   * Parses the payload of one QUIC DATAGRAM frame: the Quarter Stream ID (RFC 9297 §2.1), then the
   * context ID (RFC 9298 §5). The reader and writer indexes of {@code quicDatagram} do not move.
   *
   * @throws MalformedDatagram when the Quarter Stream ID is missing, truncated or above {@link
   *     #MAX_QUARTER_STREAM_ID} ({@linkplain MalformedDatagram#connectionError() a connection
   *     error}), or when the context ID is missing or truncated
   */
  public static QuicDatagram parseQuicDatagram(ByteBuf quicDatagram) throws MalformedDatagram {
    ByteBuf cursor = quicDatagram.duplicate();
    long quarterStreamId = QuicVarint.read(cursor);
    if (quarterStreamId < 0) {
      throw new MalformedDatagram(
          cursor.isReadable()
              ? "truncated Quarter Stream ID in an HTTP/3 datagram"
              : "empty HTTP/3 datagram: no Quarter Stream ID",
          true);
    }
    if (quarterStreamId > MAX_QUARTER_STREAM_ID) {
      throw new MalformedDatagram(
          "Quarter Stream ID " + quarterStreamId + " is above " + MAX_QUARTER_STREAM_ID, true);
    }
    HttpDatagram datagram = parseHttpDatagram(cursor);
    return new QuicDatagram(quarterStreamId * 4, datagram.contextId(), datagram.payload());
  }

  /**
   * Parses an HTTP Datagram Payload of a UDP proxying request (RFC 9298 §5), as it follows the
   * Quarter Stream ID or fills a DATAGRAM capsule. The indexes of {@code httpDatagram} do not move.
   *
   * @throws MalformedDatagram when the context ID is missing or truncated (never a connection
   *     error)
   */
  public static HttpDatagram parseHttpDatagram(ByteBuf httpDatagram) throws MalformedDatagram {
    ByteBuf cursor = httpDatagram.duplicate();
    long contextId = QuicVarint.read(cursor);
    if (contextId < 0) {
      throw new MalformedDatagram(
          cursor.isReadable()
              ? "truncated context ID in an HTTP Datagram"
              : "HTTP Datagram without a context ID",
          false);
    }
    return new HttpDatagram(contextId, cursor.slice());
  }

  /**
   * Encodes the payload of a QUIC DATAGRAM frame that carries {@code udpPayload} on the request
   * stream {@code streamId} with context ID 0, in a new buffer of exactly the right size. Reads
   * {@code udpPayload}'s readable bytes without moving its indexes or releasing it.
   *
   * @throws IllegalArgumentException when {@code streamId} is not a client-initiated bidirectional
   *     stream ID (a multiple of four, from 0 to {@code 2^62 - 1})
   */
  public static ByteBuf encodeQuicDatagram(
      ByteBufAllocator allocator, long streamId, ByteBuf udpPayload) {
    if (streamId < 0 || streamId > QuicVarint.MAX_VALUE || streamId % 4 != 0) {
      throw new IllegalArgumentException(
          "not a client-initiated bidirectional stream ID: " + streamId);
    }
    long quarterStreamId = streamId / 4;
    int length =
        QuicVarint.encodedLength(quarterStreamId)
            + QuicVarint.encodedLength(UDP_PAYLOAD_CONTEXT_ID)
            + udpPayload.readableBytes();
    ByteBuf out = allocator.buffer(length, length);
    QuicVarint.write(out, quarterStreamId);
    writeUdpHttpDatagram(out, udpPayload);
    return out;
  }

  /**
   * The size of what {@link #encodeQuicDatagram} makes of {@code udpPayload} for {@code streamId},
   * without making it: to tell whether it fits a QUIC DATAGRAM frame.
   */
  public static int quicDatagramLength(long streamId, ByteBuf udpPayload) {
    return QuicVarint.encodedLength(streamId / 4)
        + QuicVarint.encodedLength(UDP_PAYLOAD_CONTEXT_ID)
        + udpPayload.readableBytes();
  }

  /**
   * Encodes the HTTP Datagram Payload that carries {@code udpPayload} with context ID 0, in a new
   * buffer of exactly the right size: the form that fills a DATAGRAM capsule (see {@link
   * Capsules#encodeDatagram} for the whole capsule). Reads {@code udpPayload}'s readable bytes
   * without moving its indexes or releasing it.
   */
  public static ByteBuf encodeHttpDatagram(ByteBufAllocator allocator, ByteBuf udpPayload) {
    int length = QuicVarint.encodedLength(UDP_PAYLOAD_CONTEXT_ID) + udpPayload.readableBytes();
    ByteBuf out = allocator.buffer(length, length);
    writeUdpHttpDatagram(out, udpPayload);
    return out;
  }

  /** Context ID 0 and the UDP payload, leaving {@code udpPayload}'s indexes alone. */
  static void writeUdpHttpDatagram(ByteBuf out, ByteBuf udpPayload) {
    QuicVarint.write(out, UDP_PAYLOAD_CONTEXT_ID);
    out.writeBytes(udpPayload, udpPayload.readerIndex(), udpPayload.readableBytes());
  }
}
