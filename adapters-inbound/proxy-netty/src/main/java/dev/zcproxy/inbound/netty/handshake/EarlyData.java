package dev.zcproxy.inbound.netty.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Bytes a client sends right behind its request, before the tunnel is up: optimistic clients start
 * their TLS handshake without waiting for the reply. They are kept in order and go upstream first.
 * Their size is bounded by the handshake byte limit.
 */
public final class EarlyData {
  private ByteBuf buffered;

  public void append(ByteBufAllocator allocator, ByteBuf data) {
    if (!data.isReadable()) {
      data.release();
    } else if (buffered == null) {
      buffered = data;
    } else {
      buffered = ByteToMessageDecoder.COMPOSITE_CUMULATOR.cumulate(allocator, buffered, data);
    }
  }

  /** The buffered bytes, or null; the caller owns them. */
  public ByteBuf take() {
    ByteBuf taken = buffered;
    buffered = null;
    return taken;
  }

  public void release() {
    if (buffered != null) {
      buffered.release();
      buffered = null;
    }
  }
}
