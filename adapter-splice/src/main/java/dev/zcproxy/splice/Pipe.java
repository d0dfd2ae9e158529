package dev.zcproxy.splice;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kernel pipe: the buffer one direction of a tunnel moves through, socket to pipe to socket,
 * without the bytes ever entering user space. Both ends are non-blocking and close-on-exec. The
 * pipe counts what it holds, because the kernel does not say, and a direction must know when the
 * pipe is empty (to pass on a FIN) and how much room is left.
 *
 * <p>Not thread-safe: a pipe belongs to one tunnel, on one event loop.
 */
final class Pipe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Pipe.class);

  /** Pipes open in this process, for the pipes-in-use gauge and the leak tests. */
  private static final AtomicLong OPEN = new AtomicLong();

  /** A size the kernel refused once is not asked for again, to keep the log quiet. */
  private static volatile boolean sizeRefusalLogged;

  private final int readFd;
  private final int writeFd;
  private final int capacity;
  private int buffered;
  private boolean closed;

  private Pipe(int readFd, int writeFd, int capacity) {
    this.readFd = readFd;
    this.writeFd = writeFd;
    this.capacity = capacity;
  }

  /**
   * Opens a pipe and asks for {@code requestedCapacity} bytes of buffer. The kernel may give more
   * (it rounds up to a power of two pages) or, past {@code /proc/sys/fs/pipe-max-size} or a user's
   * pipe quota, refuse; the pipe then keeps its default size, which works, only with more system
   * calls per byte.
   *
   * @throws SpliceException when no pipe can be opened at all (out of file descriptors, say)
   */
  static Pipe open(int requestedCapacity) throws SpliceException {
    int[] fds = new int[2];
    int opened = LinuxSyscalls.pipe2(fds, LinuxSyscalls.O_NONBLOCK | LinuxSyscalls.O_CLOEXEC);
    if (opened < 0) {
      throw new SpliceException("pipe2", -opened);
    }
    int capacity = LinuxSyscalls.fcntl(fds[1], LinuxSyscalls.F_SETPIPE_SZ, requestedCapacity);
    if (capacity < 0) {
      if (!sizeRefusalLogged) {
        sizeRefusalLogged = true;
        log.info(
            "the kernel refused a pipe size of {} bytes ({}); pipes keep their default size",
            requestedCapacity,
            Errno.name(-capacity));
      }
      capacity = LinuxSyscalls.fcntl(fds[1], LinuxSyscalls.F_GETPIPE_SZ, 0);
    }
    if (capacity <= 0) {
      LinuxSyscalls.close(fds[0]);
      LinuxSyscalls.close(fds[1]);
      throw new SpliceException("fcntl(F_GETPIPE_SZ)", capacity < 0 ? -capacity : Errno.EINVAL);
    }
    OPEN.incrementAndGet();
    return new Pipe(fds[0], fds[1], capacity);
  }

  static long openPipes() {
    return OPEN.get();
  }

  int readFd() {
    return readFd;
  }

  int writeFd() {
    return writeFd;
  }

  int capacity() {
    return capacity;
  }

  int buffered() {
    return buffered;
  }

  int room() {
    return capacity - buffered;
  }

  void filled(long bytes) {
    buffered += (int) bytes;
  }

  void drained(long bytes) {
    buffered -= (int) bytes;
  }

  /** Closes both ends; bytes still inside are dropped (the tunnel is being torn down). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    OPEN.decrementAndGet();
    // close(2) releases the descriptor even when it reports an error, so there is no retry.
    LinuxSyscalls.close(readFd);
    LinuxSyscalls.close(writeFd);
  }
}
