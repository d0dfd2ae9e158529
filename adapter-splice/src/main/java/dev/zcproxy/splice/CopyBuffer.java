package dev.zcproxy.splice;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Native memory for a direction that copies (it has no pipe, or has not streamed yet): bytes are
 * read into it with {@code read(2)} and leave with {@code write(2)}. A direction holds a buffer
 * only while bytes wait in it; a {@link Pool} per event loop keeps a few for the next taker.
 *
 * <p>Not thread-safe: a buffer and its pool belong to one event loop.
 */
final class CopyBuffer {
  /** Bytes per read; a read that fills it counts as a full read (see {@code SpliceDirection}). */
  static final int SIZE = 64 * 1024;

  private final MemorySegment memory;
  private int start;
  private int end;

  private CopyBuffer(MemorySegment memory) {
    this.memory = memory;
  }

  /** Where the next read goes: the whole buffer; only called while it is empty. */
  MemorySegment space() {
    return memory;
  }

  void filled(long bytes) {
    start = 0;
    end = (int) bytes;
  }

  /** The bytes still to write. */
  MemorySegment pending() {
    return memory.asSlice(start, end - start);
  }

  int pendingBytes() {
    return end - start;
  }

  void written(long bytes) {
    start += (int) bytes;
    if (start == end) {
      start = 0;
      end = 0;
    }
  }

  /** The buffers of one event loop; the garbage collector frees those the pool does not keep. */
  static final class Pool {
    static final int KEEP_READY = 8;

    private final ArrayDeque<CopyBuffer> ready = new ArrayDeque<>();

    CopyBuffer take() {
      CopyBuffer buffer = ready.pollLast();
      return buffer != null ? buffer : new CopyBuffer(Arena.ofAuto().allocate(SIZE));
    }

    /** Gives back an empty buffer. */
    void give(CopyBuffer buffer) {
      if (ready.size() < KEEP_READY) {
        buffer.filled(0);
        ready.addLast(buffer);
      }
    }
  }
}
