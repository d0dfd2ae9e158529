package dev.zcproxy.inbound.netty.http.h3.masque;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Reads the capsule protocol (RFC 9297 §3.2) off the DATA stream of a CONNECT-UDP request: a
 * sequence of {@code Type (i), Length (i), Value} with nothing else in between. DATAGRAM capsules
 * (RFC 9297 §3.5) carry an HTTP Datagram Payload, {@code Context ID (i)} and then the UDP proxying
 * payload (RFC 9298 §5); every other type is skipped, as RFC 9297 §3.2 requires of unknown types.
 *
 * <p>The stream comes in DATA frames cut anywhere, so this is an explicit state machine fed one
 * buffer at a time. It never holds more than one DATAGRAM capsule's payload, at most {@code
 * maxDatagramBytes}, plus the bytes of one unfinished varint: the value of an unknown capsule and
 * of a DATAGRAM capsule above the limit is counted down and discarded as it arrives, so a client
 * announcing a 2^62-byte capsule costs nothing but the bytes it actually sends.
 *
 * <p>A malformed stream throws {@link MalformedCapsule}; RFC 9297 §3.3 makes that the request
 * stream's error, which the caller answers by aborting the stream. The decoder then releases what
 * it holds and ignores further input. Not thread-safe: it lives on its stream's event loop.
 */
public final class CapsuleDecoder implements AutoCloseable {

  /**
   * What the decoder found. Called from inside {@link #decode} and never with the decoder in an
   * inconsistent state; a callback may {@link #close()} the decoder but must not feed it.
   */
  public interface Listener {

    /**
     * A whole DATAGRAM capsule. The listener owns {@code payload} (possibly empty, never null) and
     * must release it exactly once, whether it forwards the bytes or drops them (as for a context
     * ID it does not know, RFC 9298 §5). It may be a retained slice of a buffer given to {@link
     * #decode}, which then stays allocated until {@code payload} is released.
     */
    void datagram(long contextId, ByteBuf payload);

    /**
     * A capsule of a type the decoder does not know, such as a grease type (RFC 9297 §5.4) or one
     * of an extension this proxy does not speak. Called once its header is read; its {@code length}
     * bytes of value are then discarded as they arrive.
     */
    void skipped(long type, long length);

    /**
     * A DATAGRAM capsule whose {@code length} exceeds {@code maxDatagramBytes}. Called once its
     * header is read; the capsule is then discarded as it arrives, the way a link drops a datagram
     * above its MTU (HTTP Datagrams are unreliable, RFC 9297 §2, and RFC 9298 §5 has a proxy
     * discard what it cannot send). The context ID is not known yet; a listener that must abort on
     * a UDP payload above 65527 bytes (RFC 9298 §5) can only tell from {@code length}.
     */
    void oversize(long length);
  }

  /** The capsule stream is malformed or ended mid-capsule. The message says where and how. */
  public static final class MalformedCapsule extends Exception {
    MalformedCapsule(String message) {
      super(message, null, false, false);
    }
  }

  private enum State {
    TYPE,
    LENGTH,
    CONTEXT_ID,
    PAYLOAD,
    DISCARD,
    /** Closed, finished or failed: input is ignored. */
    DONE
  }

  private final ByteBufAllocator allocator;
  private final int maxDatagramBytes;
  private final Listener listener;

  private State state = State.TYPE;
  private long type;
  private long length;

  /** Bytes of the current capsule's value not consumed yet. */
  private long remaining;

  private long contextId;

  /** The part of a DATAGRAM payload that came in an earlier buffer; null when there is none. */
  private ByteBuf partialPayload;

  /** The encoded length of the varint being read, or 0 when none is under way. */
  private int varintLength;

  private int varintBytesRead;
  private long varintValue;

  /**
   * @param allocator where a DATAGRAM payload split across buffers is gathered
   * @param maxDatagramBytes the largest DATAGRAM capsule value (context ID and payload) delivered;
   *     larger ones are reported to {@link Listener#oversize} and discarded
   * @param listener told of every capsule, in stream order
   */
  public CapsuleDecoder(ByteBufAllocator allocator, int maxDatagramBytes, Listener listener) {
    if (maxDatagramBytes < 1) {
      throw new IllegalArgumentException(
          "maxDatagramBytes must leave room for a context ID: " + maxDatagramBytes);
    }
    this.allocator = allocator;
    this.maxDatagramBytes = maxDatagramBytes;
    this.listener = listener;
  }

  /**
   * Consumes every readable byte of {@code data}, the payload of one DATA frame, and calls the
   * listener for each capsule it completes or starts to skip. The caller keeps ownership of {@code
   * data} and releases it as usual. After {@link #close()}, {@link #finish()} or an error the bytes
   * are skipped unread.
   *
   * @throws MalformedCapsule when a DATAGRAM capsule is empty or its context ID overruns it; the
   *     decoder has then released everything it held
   */
  public void decode(ByteBuf data) throws MalformedCapsule {
    try {
      while (data.isReadable() && state != State.DONE) {
        switch (state) {
          case TYPE -> readType(data);
          case LENGTH -> readLength(data);
          case CONTEXT_ID -> readContextId(data);
          case PAYLOAD -> readPayload(data);
          case DISCARD -> discard(data);
          case DONE -> {}
        }
      }
    } catch (MalformedCapsule malformed) {
      close();
      throw malformed;
    }
    data.skipBytes(data.readableBytes());
  }

  /**
   * The stream has ended (a DATA frame with the end-of-stream flag, or the end of the request
   * body). Ending between two capsules is a clean end; anywhere else the last capsule is truncated,
   * which RFC 9297 §3.3 makes an error. Either way the decoder is done and holds nothing.
   *
   * @throws MalformedCapsule when the stream ended inside a capsule
   */
  public void finish() throws MalformedCapsule {
    String truncation = truncation();
    close();
    if (truncation != null) {
      throw new MalformedCapsule("the stream ended " + truncation);
    }
  }

  /** Releases the partial payload, if any, and ignores all further input. Idempotent. */
  @Override
  public void close() {
    state = State.DONE;
    varintLength = 0;
    varintBytesRead = 0;
    if (partialPayload != null) {
      ByteBuf held = partialPayload;
      partialPayload = null;
      held.release();
    }
  }

  /** How many received bytes the decoder holds right now: a partial varint and payload. */
  int bufferedBytes() {
    return varintBytesRead + (partialPayload == null ? 0 : partialPayload.readableBytes());
  }

  private void readType(ByteBuf data) {
    if (readVarint(data)) {
      type = varintValue;
      state = State.LENGTH;
    }
  }

  private void readLength(ByteBuf data) throws MalformedCapsule {
    if (!readVarint(data)) {
      return;
    }
    length = varintValue;
    remaining = length;
    if (type != Capsules.DATAGRAM_TYPE) {
      state = length == 0 ? State.TYPE : State.DISCARD;
      listener.skipped(type, length);
    } else if (length == 0) {
      throw new MalformedCapsule("a DATAGRAM capsule has an empty value, without a context ID");
    } else if (length > maxDatagramBytes) {
      state = State.DISCARD;
      listener.oversize(length);
    } else {
      state = State.CONTEXT_ID;
    }
  }

  private void readContextId(ByteBuf data) throws MalformedCapsule {
    if (varintLength == 0) {
      int announced = QuicVarint.peekLength(data);
      if (announced > remaining) {
        throw new MalformedCapsule(
            "the context ID of a DATAGRAM capsule announces "
                + announced
                + " bytes but the capsule's value has only "
                + remaining);
      }
    }
    int before = data.readerIndex();
    boolean complete = readVarint(data);
    remaining -= data.readerIndex() - before;
    if (!complete) {
      return;
    }
    contextId = varintValue;
    if (remaining == 0) {
      deliver(Unpooled.EMPTY_BUFFER);
    } else {
      state = State.PAYLOAD;
    }
  }

  private void readPayload(ByteBuf data) {
    // remaining <= maxDatagramBytes here, so it fits in an int.
    int missing = (int) remaining;
    if (partialPayload == null && data.readableBytes() >= missing) {
      deliver(data.readRetainedSlice(missing));
      return;
    }
    if (partialPayload == null) {
      partialPayload = allocator.buffer(missing, missing);
    }
    int taken = Math.min(missing, data.readableBytes());
    partialPayload.writeBytes(data, taken);
    remaining -= taken;
    if (remaining == 0) {
      ByteBuf whole = partialPayload;
      partialPayload = null;
      deliver(whole);
    }
  }

  private void discard(ByteBuf data) {
    int skipped = (int) Math.min(remaining, data.readableBytes());
    data.skipBytes(skipped);
    remaining -= skipped;
    if (remaining == 0) {
      state = State.TYPE;
    }
  }

  /** Hands a whole payload over, with the decoder already waiting for the next capsule. */
  private void deliver(ByteBuf payload) {
    state = State.TYPE;
    listener.datagram(contextId, payload);
  }

  /**
   * Reads as much of a varint as {@code data} holds (it holds at least one byte), carrying a
   * partial one over to the next buffer.
   *
   * @return true when the varint is complete and in {@link #varintValue}
   */
  private boolean readVarint(ByteBuf data) {
    if (varintLength == 0) {
      int first = data.readUnsignedByte();
      varintLength = QuicVarint.lengthOfPrefix(first);
      varintValue = first & 0x3F;
      varintBytesRead = 1;
    }
    while (varintBytesRead < varintLength && data.isReadable()) {
      varintValue = (varintValue << 8) | data.readUnsignedByte();
      varintBytesRead++;
    }
    if (varintBytesRead < varintLength) {
      return false;
    }
    varintLength = 0;
    varintBytesRead = 0;
    return true;
  }

  /** Where the stream stopped if it stopped inside a capsule, or null at a capsule boundary. */
  private String truncation() {
    String partialVarint =
        varintLength == 0
            ? " (no byte of it)"
            : " (" + varintBytesRead + " of " + varintLength + " bytes)";
    return switch (state) {
      case TYPE -> varintLength == 0 ? null : "inside a capsule type" + partialVarint;
      case LENGTH -> "inside the length of a capsule of type " + hex(type) + partialVarint;
      case CONTEXT_ID -> "inside the context ID of a DATAGRAM capsule" + partialVarint;
      case PAYLOAD, DISCARD ->
          "inside the value of a capsule of type "
              + hex(type)
              + ": "
              + remaining
              + " of its "
              + length
              + " bytes missing";
      case DONE -> null;
    };
  }

  private static String hex(long capsuleType) {
    return "0x" + Long.toHexString(capsuleType);
  }
}
