package dev.zcproxy.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.function.IntConsumer;

/**
 * Reads capsules (RFC 9297 §3.2: type, length, value) out of a request stream's DATA frames, which
 * may split a capsule anywhere, and reports the UDP payload length of each DATAGRAM capsule with
 * context ID 0. Other capsules are skipped. Not thread-safe: one per stream, on its event loop.
 */
final class CapsuleReader implements AutoCloseable {

  private final CompositeByteBuf pending;
  private final IntConsumer udpPayload;
  private long skipped;

  /**
   * @param udpPayload told the UDP payload length of each DATAGRAM capsule with context ID 0
   */
  CapsuleReader(ByteBufAllocator allocator, IntConsumer udpPayload) {
    this.pending = allocator.compositeBuffer(Integer.MAX_VALUE);
    this.udpPayload = udpPayload;
  }

  /** Takes {@code data} (its reference passes to this reader) and reports the whole capsules. */
  void read(ByteBuf data) {
    pending.addComponent(true, data);
    while (true) {
      int start = pending.readerIndex();
      long type = HttpDatagramFraming.readVarint(pending);
      long length = type < 0 ? -1 : HttpDatagramFraming.readVarint(pending);
      if (length < 0 || pending.readableBytes() < length) {
        pending.readerIndex(start);
        break;
      }
      int valueEnd = pending.readerIndex() + (int) length;
      ByteBuf value = pending.slice(pending.readerIndex(), (int) length);
      if (type == HttpDatagramFraming.DATAGRAM_CAPSULE_TYPE
          && HttpDatagramFraming.readVarint(value) == HttpDatagramFraming.UDP_PAYLOAD_CONTEXT_ID) {
        udpPayload.accept(value.readableBytes());
      } else {
        skipped++;
      }
      pending.readerIndex(valueEnd);
    }
    pending.discardReadComponents();
  }

  /** Capsules that were not DATAGRAM capsules with context ID 0. */
  long skipped() {
    return skipped;
  }

  @Override
  public void close() {
    pending.release();
  }
}
