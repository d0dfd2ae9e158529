package dev.zcproxy.splice;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A connected pair of non-blocking AF_UNIX stream sockets from {@code socketpair(2)}: real sockets
 * for the direction tests (splice, shutdown and back-pressure work on them as on TCP), without
 * Netty or a network. Bytes written to one end are read from the other.
 */
final class UnixSocketPair implements AutoCloseable {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_NONBLOCK = 0x800;
  private static final int SOCK_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle SOCKETPAIR =
      handle("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle READ =
      handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

  final int near;
  final int far;
  private boolean farClosed;
  private boolean closed;

  private UnixSocketPair(int near, int far) {
    this.near = near;
    this.far = far;
  }

  private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
  }

  static UnixSocketPair open() throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      int result =
          (int) SOCKETPAIR.invokeExact(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds);
      if (result != 0) {
        throw new IllegalStateException("socketpair failed");
      }
      return new UnixSocketPair(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
    }
  }

  /** Writes all of {@code bytes} to {@code fd}, which must have room for them. */
  static void writeFully(int fd, byte[] bytes) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocateFrom(JAVA_BYTE, bytes);
      long written = LinuxSyscalls.write(fd, data, bytes.length);
      if (written != bytes.length) {
        throw new IllegalStateException("short write: " + written);
      }
    }
  }

  /**
   * Reads what is there right now, at most {@code max} bytes: an empty array when nothing is, null
   * at end of stream.
   */
  static byte[] readAvailable(int fd, int max) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(max);
      long read = (long) READ.invokeExact(fd, buffer, (long) max);
      if (read == 0) {
        return null;
      }
      if (read < 0) {
        return new byte[0]; // EAGAIN: nothing yet
      }
      return buffer.asSlice(0, read).toArray(JAVA_BYTE);
    }
  }

  /** The far peer goes away; a descriptor number is never closed twice (it may be reused). */
  void closeFar() {
    if (!farClosed) {
      farClosed = true;
      LinuxSyscalls.close(far);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LinuxSyscalls.close(near);
      closeFar();
    }
  }
}
