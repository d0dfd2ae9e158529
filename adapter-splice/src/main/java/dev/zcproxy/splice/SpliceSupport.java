package dev.zcproxy.splice;

import io.netty.channel.epoll.Epoll;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether this process can splice: Linux, Netty's epoll transport (the tunnels' sockets must be
 * epoll channels, and their descriptors join its event loops), the C library's functions bound
 * through FFM with native access allowed, and a kernel that lets {@code splice(2)} run (a seccomp
 * filter may not). Probed once, with a real pipe.
 */
final class SpliceSupport {

  private static final Optional<String> UNAVAILABILITY = probe();

  private SpliceSupport() {}

  /** Empty when splicing works here; otherwise why not, in words for an operator. */
  static Optional<String> unavailability() {
    return UNAVAILABILITY;
  }

  private static Optional<String> probe() {
    String os = System.getProperty("os.name", "unknown");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
      return Optional.of("splice(2) needs Linux, and this is " + os);
    }
    if (!Epoll.isAvailable()) {
      return Optional.of(
          "splice(2) needs Netty's epoll transport, which is not available: "
              + Epoll.unavailabilityCause());
    }
    try {
      return probeSyscalls();
    } catch (LinkageError | RuntimeException e) {
      // ExceptionInInitializerError (no such function), IllegalCallerException (native access
      // denied): either way the bindings are unusable.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return Optional.of("the C library's splice(2) cannot be called through FFM: " + cause);
    }
  }

  /** Splices one byte from an empty pipe to another: a working kernel says EAGAIN. */
  private static Optional<String> probeSyscalls() {
    try (Pipe from = Pipe.open(4096);
        Pipe to = Pipe.open(4096)) {
      long moved =
          LinuxSyscalls.splice(
              from.readFd(),
              to.writeFd(),
              1,
              LinuxSyscalls.SPLICE_F_MOVE | LinuxSyscalls.SPLICE_F_NONBLOCK);
      if (moved != -Errno.EAGAIN) {
        return Optional.of(
            "splice(2) does not work here: a probe got "
                + (moved < 0 ? Errno.name((int) -moved) : moved + " bytes"));
      }
      return Optional.empty();
    } catch (SpliceException e) {
      return Optional.of("cannot open a pipe: " + e.getMessage());
    }
  }
}
