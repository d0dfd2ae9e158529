package dev.zcproxy.splice;

import java.lang.foreign.MemorySegment;

/**
 * One direction of a tunnel: source socket to pipe to sink socket, with {@code splice(2)} on both
 * hops, so the bytes stay in the kernel. Bytes the front end had already read before the hand-off
 * (the prefix) go out first, with {@code write(2)}.
 *
 * <p>States: {@code STREAMING} while the source is open; {@code DRAINING} once the source sent its
 * FIN and the pipe still holds bytes; {@code FINISHED} once the pipe is empty and the FIN has been
 * passed on ({@code shutdown(SHUT_WR)} on the sink). A failed system call ends the direction in
 * {@code FAILED} and names the socket at fault, so the tunnel can reset the other one.
 *
 * <p>Back-pressure is the kernel's: when the sink's send buffer is full, {@code splice} to it says
 * {@code EAGAIN}, the pipe stays full, nothing more is taken from the source, the source's receive
 * window closes, and the sender stops. Nothing is buffered in user space at any point.
 *
 * <p>{@link #pump} moves what it can until both hops say {@code EAGAIN}; the tunnel registers both
 * sockets edge-triggered, so it must (and does) always run until then, or ask to be called again.
 * Not thread-safe: a direction belongs to its tunnel's event loop.
 */
final class SpliceDirection {

  private static final int FLAGS = LinuxSyscalls.SPLICE_F_MOVE | LinuxSyscalls.SPLICE_F_NONBLOCK;

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

  private final int sourceFd;
  private final int sinkFd;
  private final Pipe pipe;
  private MemorySegment prefix;
  private State state = State.STREAMING;
  private long delivered;
  private long unreported;
  private long systemCalls;
  private Socket failedSocket;
  private int failedErrno;
  private String failedCall;

  /**
   * @param prefix bytes to write to the sink before anything else; null when there are none. The
   *     caller keeps the memory alive until the direction finished or the tunnel closed.
   */
  SpliceDirection(int sourceFd, int sinkFd, Pipe pipe, MemorySegment prefix) {
    this.sourceFd = sourceFd;
    this.sinkFd = sinkFd;
    this.pipe = pipe;
    this.prefix = prefix == null || prefix.byteSize() == 0 ? null : prefix;
  }

  /**
   * Moves bytes until both hops would block, the FIN has been passed on, a call failed, or {@code
   * rounds} rounds (each one splice in and one splice out) have run.
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
        long written = LinuxSyscalls.write(sinkFd, prefix, prefix.byteSize());
        systemCalls++;
        if (written > 0) {
          delivered(written);
          prefix = written == prefix.byteSize() ? null : prefix.asSlice(written);
          continue;
        }
        if (written == -Errno.EAGAIN) {
          return Outcome.WAITING;
        }
        if (written != -Errno.EINTR) {
          return fail(Socket.SINK, "write", (int) -written);
        }
        continue;
      }
      boolean moved = false;
      if (state == State.STREAMING && pipe.room() > 0) {
        long in = LinuxSyscalls.splice(sourceFd, pipe.writeFd(), pipe.room(), FLAGS);
        systemCalls++;
        if (in > 0) {
          pipe.filled(in);
          moved = true;
        } else if (in == 0) {
          state = State.DRAINING; // the source's FIN: no more bytes will come from it
          moved = true;
        } else if (in == -Errno.EINTR) {
          moved = true;
        } else if (in != -Errno.EAGAIN) {
          // EAGAIN: the socket is empty, or every slot of the pipe is taken (a pipe counts pages,
          // not bytes, so it can be "full" below its capacity); draining it below tells which.
          return fail(Socket.SOURCE, "splice", (int) -in);
        }
      }
      if (pipe.buffered() > 0) {
        long out = LinuxSyscalls.splice(pipe.readFd(), sinkFd, pipe.buffered(), FLAGS);
        systemCalls++;
        if (out > 0) {
          pipe.drained(out);
          delivered(out);
          moved = true;
        } else if (out == -Errno.EINTR) {
          moved = true;
        } else if (out < 0 && out != -Errno.EAGAIN) {
          return fail(Socket.SINK, "splice", (int) -out);
        }
      }
      if (state == State.DRAINING && pipe.buffered() == 0) {
        return passOnFin();
      }
      if (!moved) {
        return Outcome.WAITING;
      }
    }
    return Outcome.MORE;
  }

  private Outcome passOnFin() {
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
    return prefix != null || pipe.buffered() > 0;
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
