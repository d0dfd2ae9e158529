package dev.zcproxy.splice;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few Linux system calls the splice relay makes, bound to the C library through the FFM API (no
 * JNI, no C compiler). Every call returns what the kernel returns, and a failure as the negated
 * errno ({@code -Errno.EAGAIN}), so the relay's hot path never allocates and never throws; {@code
 * errno} itself is captured by the linker right after the call, before the JVM can touch it.
 *
 * <p>The constants are those of the generic Linux ABI, which x86_64 and aarch64 (the two platforms
 * Netty ships epoll for) share.
 *
 * <p>Loading this class fails when the platform has no such functions or native access is denied;
 * {@link SpliceSupport} probes it before anything else uses it.
 */
final class LinuxSyscalls {

  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;
  static final int F_SETPIPE_SZ = 1031;
  static final int F_GETPIPE_SZ = 1032;
  static final int SPLICE_F_MOVE = 1;
  static final int SPLICE_F_NONBLOCK = 2;
  static final int SHUT_WR = 1;
  static final int SOL_SOCKET = 1;
  static final int SO_ERROR = 4;

  private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE_LAYOUT.varHandle(PathElement.groupElement("errno"));

  /**
   * Where the linker stores errno; one per thread, because calls come from every event loop. The
   * automatic arena frees a thread's segment once the thread is gone.
   */
  private static final ThreadLocal<MemorySegment> CALL_STATE =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE_LAYOUT));

  private static final MethodHandle SPLICE;
  private static final MethodHandle PIPE2;
  private static final MethodHandle FCNTL;
  private static final MethodHandle WRITE;
  private static final MethodHandle READ;
  private static final MethodHandle SHUTDOWN;
  private static final MethodHandle CLOSE;
  private static final MethodHandle GETSOCKOPT;

  static {
    Linker linker = Linker.nativeLinker();
    SymbolLookup libc = linker.defaultLookup();
    Linker.Option errno = Linker.Option.captureCallState("errno");
    // ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, uint
    // flags)
    SPLICE =
        bind(
            linker,
            libc,
            "splice",
            FunctionDescriptor.of(
                JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
            errno);
    // int pipe2(int pipefd[2], int flags)
    PIPE2 = bind(linker, libc, "pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), errno);
    // int fcntl(int fd, int cmd, ...): variadic, called here with one int argument
    FCNTL =
        bind(
            linker,
            libc,
            "fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2),
            errno);
    // ssize_t write(int fd, const void *buf, size_t count)
    WRITE =
        bind(
            linker,
            libc,
            "write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            errno);
    // ssize_t read(int fd, void *buf, size_t count)
    READ =
        bind(
            linker,
            libc,
            "read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            errno);
    // int shutdown(int sockfd, int how)
    SHUTDOWN =
        bind(linker, libc, "shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errno);
    // int close(int fd)
    CLOSE = bind(linker, libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
    // int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen)
    GETSOCKOPT =
        bind(
            linker,
            libc,
            "getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
            errno);
  }

  private LinuxSyscalls() {}

  private static MethodHandle bind(
      Linker linker,
      SymbolLookup libc,
      String name,
      FunctionDescriptor descriptor,
      Linker.Option... options) {
    MemorySegment symbol =
        libc.find(name)
            .orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name));
    return linker.downcallHandle(symbol, descriptor, options);
  }

  /** Moves up to {@code length} bytes between two fds, one of which must be a pipe. */
  static long splice(int fdIn, int fdOut, long length, int flags) {
    MemorySegment state = CALL_STATE.get();
    long result;
    try {
      result =
          (long)
              SPLICE.invokeExact(
                  state, fdIn, MemorySegment.NULL, fdOut, MemorySegment.NULL, length, flags);
    } catch (Throwable t) {
      throw downcallFailed("splice", t);
    }
    return result >= 0 ? result : -errno(state);
  }

  /**
   * Reads into native memory: the copy path of a direction that has no pipe.
   *
   * @return the bytes read (0 at end of stream), or the negated errno
   */
  static long read(int fd, MemorySegment buffer, long length) {
    MemorySegment state = CALL_STATE.get();
    long result;
    try {
      result = (long) READ.invokeExact(state, fd, buffer, length);
    } catch (Throwable t) {
      throw downcallFailed("read", t);
    }
    return result >= 0 ? result : -errno(state);
  }

  /**
   * Writes from native memory: the bytes the front end read before the hand-off, and the copy path
   * of a direction that has no pipe.
   */
  static long write(int fd, MemorySegment data, long length) {
    MemorySegment state = CALL_STATE.get();
    long result;
    try {
      result = (long) WRITE.invokeExact(state, fd, data, length);
    } catch (Throwable t) {
      throw downcallFailed("write", t);
    }
    return result >= 0 ? result : -errno(state);
  }

  /**
   * Opens a pipe; on success {@code fds} holds its read end and its write end.
   *
   * @return 0, or the negated errno
   */
  static int pipe2(int[] fds, int flags) {
    MemorySegment state = CALL_STATE.get();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pair = arena.allocate(JAVA_INT, 2);
      int result;
      try {
        result = (int) PIPE2.invokeExact(state, pair, flags);
      } catch (Throwable t) {
        throw downcallFailed("pipe2", t);
      }
      if (result < 0) {
        return -errno(state);
      }
      fds[0] = pair.getAtIndex(JAVA_INT, 0);
      fds[1] = pair.getAtIndex(JAVA_INT, 1);
      return 0;
    }
  }

  /** {@code fcntl(fd, command, argument)}: the result, or the negated errno. */
  static int fcntl(int fd, int command, int argument) {
    MemorySegment state = CALL_STATE.get();
    int result;
    try {
      result = (int) FCNTL.invokeExact(state, fd, command, argument);
    } catch (Throwable t) {
      throw downcallFailed("fcntl", t);
    }
    return result >= 0 ? result : -errno(state);
  }

  static int shutdown(int fd, int how) {
    MemorySegment state = CALL_STATE.get();
    int result;
    try {
      result = (int) SHUTDOWN.invokeExact(state, fd, how);
    } catch (Throwable t) {
      throw downcallFailed("shutdown", t);
    }
    return result >= 0 ? result : -errno(state);
  }

  static int close(int fd) {
    MemorySegment state = CALL_STATE.get();
    int result;
    try {
      result = (int) CLOSE.invokeExact(state, fd);
    } catch (Throwable t) {
      throw downcallFailed("close", t);
    }
    return result >= 0 ? result : -errno(state);
  }

  /**
   * The socket's pending error ({@code SO_ERROR}), which reading clears: 0 when there is none, a
   * positive errno when there is one, or the negated errno of a failed call.
   */
  static int socketError(int fd) {
    MemorySegment state = CALL_STATE.get();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(JAVA_INT);
      MemorySegment length = arena.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
      int result;
      try {
        result = (int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_ERROR, value, length);
      } catch (Throwable t) {
        throw downcallFailed("getsockopt", t);
      }
      return result < 0 ? -errno(state) : value.get(JAVA_INT, 0);
    }
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** A downcall itself never throws; this is a linkage bug, not an I/O error. */
  private static IllegalStateException downcallFailed(String function, Throwable cause) {
    return new IllegalStateException("the native call " + function + " failed", cause);
  }
}
