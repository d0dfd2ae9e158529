package dev.zcproxy.splice;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * One direction of a tunnel: source socket to sink socket, by {@code splice(2)} through a pipe
 * while it has one, by {@code read(2)} and {@code write(2)} through a small native buffer
 * otherwise. Bytes the front end had already read before the hand-off (the prefix) go out first,
 * with {@code write(2)}.
 *
 * <p><b>Pipes only while bytes are in flight.</b> A direction takes a pipe from its event loop's
 * {@link PipePool} when the source has bytes, and gives it back as soon as the source has nothing
 * more and the pipe is empty; the copy buffer works the same way. An idle direction holds neither.
 * When no pipe can be had (the pool's budget is spent, or the process is out of descriptors), the
 * direction copies, and takes a pipe again once one is free. It switches only while nothing is in
 * flight (the pipe or the buffer empty), so no byte is lost or reordered.
 *
 * <p><b>Splice or copy.</b> A direction that {@code splices} takes a pipe whenever it can ({@code
 * relay: splice}, and {@code relay: auto} once it streams). An {@code adaptive} direction ({@code
 * relay: auto}) starts on copy unless told it already streams, moves to splice after {@link
 * #FULL_READS_TO_SPLICE} consecutive reads that filled the {@link CopyBuffer#SIZE} buffer, and goes
 * back to copy when a spliced burst (from taking the pipe to giving it back) moved less than one
 * copy buffer: it stopped streaming, and splicing small messages buys nothing.
 *
 * <p>States: {@code STREAMING} while the source is open; {@code DRAINING} once the source sent its
 * FIN and bytes are still in flight; {@code FINISHED} once they are delivered and the FIN has been
 * passed on ({@code shutdown(SHUT_WR)} on the sink). A failed system call ends the direction in
 * {@code FAILED} and names the socket at fault, so the tunnel can reset the other one.
 *
 * <p>Back-pressure is the kernel's: when the sink's send buffer is full, the write or splice to it
 * says {@code EAGAIN}, nothing more is read from the source until the pipe or buffer is empty, the
 * source's receive window closes, and the sender stops.
 *
 * <p>{@link #pump} moves what it can until the source and the sink both say {@code EAGAIN}; the
 * tunnel registers both sockets edge-triggered, so it must (and does) always run until then, or ask
 * to be called again. Not thread-safe: a direction belongs to its tunnel's event loop.
 */
final class SpliceDirection {

  /** Consecutive full reads after which an adaptive direction moves to splice (HAProxy-like). */
  static final int FULL_READS_TO_SPLICE = 4;

  private static final int FLAGS = LinuxSyscalls.SPLICE_F_MOVE | LinuxSyscalls.SPLICE_F_NONBLOCK;

  /** Bytes every direction in this process moved by copy, for a meter. */
  private static final LongAdder COPIED = new LongAdder();

  enum State {
    STREAMING,
    DRAINING,
    FINISHED,
    FAILED
  }

  /** What a call to {@link #pump} ended with. */
  enum Outcome {
    /** Both hops would block: the next readiness event continues. */
    WAITING,
    /** The round budget ran out with more to do: call again soon, without waiting for an event. */
    MORE,
    /** The FIN has been passed on; nothing more will ever move this way. */
    FINISHED,
    /** A system call failed; see {@link #failedSocket()} and {@link #failedErrno()}. */
    FAILED
  }

  /** Which socket a failure belongs to. */
  enum Socket {
    SOURCE,
    SINK
  }

  /** What one round of either path did. */
  private enum Step {
    MOVED,
    BLOCKED,
    FAILED
  }

  private final int sourceFd;
  private final int sinkFd;
  private final PipePool pipes;
  private final CopyBuffer.Pool buffers;
  private final boolean adaptive;
  private MemorySegment prefix;
  private boolean splices;
  private Pipe pipe;
  private CopyBuffer buffer;
  private long burst;
  private int fullReads;
  private State state = State.STREAMING;
  private long delivered;
  private long spliced;
  private long copied;
  private long unreported;
  private long systemCalls;
  private int switchesToSplice;
  private int switchesToCopy;
  private Socket failedSocket;
  private int failedErrno;
  private String failedCall;

  /**
   * @param prefix bytes to write to the sink before anything else; null when there are none. The
   *     caller keeps the memory alive until the direction finished or the tunnel closed.
   * @param adaptive whether the direction moves between copy and splice by how it streams ({@code
   *     relay: auto}); otherwise it splices whenever it gets a pipe
   * @param streaming whether an adaptive direction starts on splice (it already streamed on copy)
   */
  SpliceDirection(
      int sourceFd,
      int sinkFd,
      PipePool pipes,
      CopyBuffer.Pool buffers,
      MemorySegment prefix,
      boolean adaptive,
      boolean streaming) {
    this.sourceFd = sourceFd;
    this.sinkFd = sinkFd;
    this.pipes = pipes;
    this.buffers = buffers;
    this.prefix = prefix == null || prefix.byteSize() == 0 ? null : prefix;
    this.adaptive = adaptive;
    this.splices = !adaptive || streaming;
  }

  /**
   * Moves bytes until both hops would block, the FIN has been passed on, a call failed, or {@code
   * rounds} rounds (each one read and one write, or one splice in and one splice out) have run.
   */
  Outcome pump(int rounds) {
    if (state == State.FINISHED) {
      return Outcome.FINISHED;
    }
    if (state == State.FAILED) {
      return Outcome.FAILED;
    }
    for (int round = 0; round < rounds; round++) {
      if (prefix != null) {
        Step step = writePrefix();
        if (step == Step.FAILED) {
          return Outcome.FAILED;
        }
        if (step == Step.BLOCKED) {
          return Outcome.WAITING;
        }
        continue;
      }
      if (!inFlight()) {
        if (state == State.DRAINING) {
          return passOnFin();
        }
        choosePath();
      }
      Step step = pipe != null ? splicePass() : copyPass();
      if (step == Step.FAILED) {
        return Outcome.FAILED;
      }
      if (state == State.DRAINING && !inFlight()) {
        return passOnFin();
      }
      if (step == Step.BLOCKED) {
        releaseIfEmpty();
        return Outcome.WAITING;
      }
    }
    return Outcome.MORE;
  }

  private Step writePrefix() {
    long written = LinuxSyscalls.write(sinkFd, prefix, prefix.byteSize());
    systemCalls++;
    if (written > 0) {
      delivered(written);
      prefix = written == prefix.byteSize() ? null : prefix.asSlice(written);
      return Step.MOVED;
    }
    if (written == -Errno.EAGAIN) {
      return Step.BLOCKED;
    }
    if (written == -Errno.EINTR) {
      return Step.MOVED;
    }
    fail(Socket.SINK, "write", (int) -written);
    return Step.FAILED;
  }

  /** Nothing in flight: take a pipe if this direction splices and one can be had. */
  private void choosePath() {
    if (splices && pipe == null) {
      Pipe taken = pipes.take();
      if (taken != null) {
        if (buffer != null) {
          buffers.give(buffer);
          buffer = null;
        }
        pipe = taken;
        burst = 0;
      }
    }
  }

  private Step splicePass() {
    boolean moved = false;
    if (state == State.STREAMING && pipe.room() > 0) {
      long in = LinuxSyscalls.splice(sourceFd, pipe.writeFd(), pipe.room(), FLAGS);
      systemCalls++;
      if (in > 0) {
        pipe.filled(in);
        burst += in;
        moved = true;
      } else if (in == 0) {
        state = State.DRAINING; // the source's FIN: no more bytes will come from it
        moved = true;
      } else if (in == -Errno.EINTR) {
        moved = true;
      } else if (in != -Errno.EAGAIN) {
        // EAGAIN: the socket is empty, or every slot of the pipe is taken (a pipe counts pages,
        // not bytes, so it can be "full" below its capacity); draining it below tells which.
        fail(Socket.SOURCE, "splice", (int) -in);
        return Step.FAILED;
      }
    }
    if (pipe.buffered() > 0) {
      long out = LinuxSyscalls.splice(pipe.readFd(), sinkFd, pipe.buffered(), FLAGS);
      systemCalls++;
      if (out > 0) {
        pipe.drained(out);
        spliced += out;
        delivered(out);
        moved = true;
      } else if (out == -Errno.EINTR) {
        moved = true;
      } else if (out < 0 && out != -Errno.EAGAIN) {
        fail(Socket.SINK, "splice", (int) -out);
        return Step.FAILED;
      }
    }
    return moved ? Step.MOVED : Step.BLOCKED;
  }

  private Step copyPass() {
    boolean moved = false;
    if (buffer == null) {
      buffer = buffers.take();
    }
    if (state == State.STREAMING && buffer.pendingBytes() == 0) {
      long in = LinuxSyscalls.read(sourceFd, buffer.space(), CopyBuffer.SIZE);
      systemCalls++;
      if (in > 0) {
        buffer.filled(in);
        fullReads = in == CopyBuffer.SIZE ? fullReads + 1 : 0;
        moved = true;
      } else if (in == 0) {
        state = State.DRAINING;
        moved = true;
      } else if (in == -Errno.EINTR) {
        moved = true;
      } else if (in != -Errno.EAGAIN) {
        fail(Socket.SOURCE, "read", (int) -in);
        return Step.FAILED;
      }
    }
    if (buffer.pendingBytes() > 0) {
      long out = LinuxSyscalls.write(sinkFd, buffer.pending(), buffer.pendingBytes());
      systemCalls++;
      if (out > 0) {
        buffer.written(out);
        copied += out;
        COPIED.add(out);
        delivered(out);
        moved = true;
      } else if (out == -Errno.EINTR) {
        moved = true;
      } else if (out != -Errno.EAGAIN) {
        fail(Socket.SINK, "write", (int) -out);
        return Step.FAILED;
      }
    }
    if (adaptive && !splices && fullReads >= FULL_READS_TO_SPLICE) {
      splices = true; // it streams: the next round, with the buffer empty, takes a pipe
      fullReads = 0;
      switchesToSplice++;
    }
    return moved ? Step.MOVED : Step.BLOCKED;
  }

  private boolean inFlight() {
    return pipe != null && pipe.buffered() > 0 || buffer != null && buffer.pendingBytes() > 0;
  }

  /** The source has nothing more for now: give back whatever is empty. */
  private void releaseIfEmpty() {
    if (pipe != null && pipe.buffered() == 0) {
      pipes.give(pipe);
      pipe = null;
      if (adaptive && burst < CopyBuffer.SIZE) {
        splices = false; // a short burst: it no longer streams
        fullReads = 0;
        switchesToCopy++;
      }
    }
    if (buffer != null && buffer.pendingBytes() == 0) {
      buffers.give(buffer);
      buffer = null;
    }
  }

  /** Gives back the pipe and buffer; a pipe still holding bytes is closed by its pool. */
  void release() {
    if (pipe != null) {
      pipes.give(pipe);
      pipe = null;
    }
    if (buffer != null) {
      if (buffer.pendingBytes() == 0) {
        buffers.give(buffer);
      }
      buffer = null;
    }
  }

  private Outcome passOnFin() {
    release();
    int shut = LinuxSyscalls.shutdown(sinkFd, LinuxSyscalls.SHUT_WR);
    systemCalls++;
    if (shut < 0) {
      return fail(Socket.SINK, "shutdown", -shut); // ENOTCONN: the sink was reset meanwhile
    }
    state = State.FINISHED;
    return Outcome.FINISHED;
  }

  private void delivered(long bytes) {
    delivered += bytes;
    unreported += bytes;
  }

  private Outcome fail(Socket socket, String call, int errno) {
    state = State.FAILED;
    failedSocket = socket;
    failedErrno = errno;
    failedCall = call;
    return Outcome.FAILED;
  }

  /** Bytes delivered to the sink since the last call; for the metrics. */
  long takeUnreported() {
    long bytes = unreported;
    unreported = 0;
    return bytes;
  }

  /** Whether bytes wait for the sink to take them: only the sink's writability moves them on. */
  boolean waitingForSink() {
    return prefix != null || inFlight();
  }

  /** Whether the direction holds a pipe right now. */
  boolean holdsPipe() {
    return pipe != null;
  }

  /** Whether the direction holds a copy buffer right now. */
  boolean holdsBuffer() {
    return buffer != null;
  }

  /** Whether the direction takes a pipe when it has bytes to move. */
  boolean splices() {
    return splices;
  }

  long spliced() {
    return spliced;
  }

  long copied() {
    return copied;
  }

  /** Bytes moved by copy in this process so far. */
  static long copiedSoFar() {
    return COPIED.sum();
  }

  int switchesToSplice() {
    return switchesToSplice;
  }

  int switchesToCopy() {
    return switchesToCopy;
  }

  State state() {
    return state;
  }

  boolean finished() {
    return state == State.FINISHED;
  }

  long delivered() {
    return delivered;
  }

  long systemCalls() {
    return systemCalls;
  }

  Socket failedSocket() {
    return failedSocket;
  }

  int failedErrno() {
    return failedErrno;
  }

  String failedCall() {
    return failedCall;
  }
}
