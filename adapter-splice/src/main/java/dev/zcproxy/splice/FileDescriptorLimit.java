package dev.zcproxy.splice;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The process's open-file limit ({@code RLIMIT_NOFILE}): every tunnel holds two descriptors, so
 * this is what caps the tunnels a proxy can carry. Read, and the soft limit raised to the hard
 * limit, through {@code getrlimit(2)} and {@code setrlimit(2)} bound by the FFM API.
 *
 * <p>HotSpot raises the soft limit itself at startup ({@code -XX:+MaxFDLimit}, on by default), so
 * on most JVMs {@link #raiseSoftToHard()} finds nothing to do; it matters where that flag is off
 * and on JVMs without it, and it says which it was. Linux only; elsewhere, or where native access
 * is denied, it reports {@link Unavailable} and changes nothing.
 */
public final class FileDescriptorLimit {

  /** How an unlimited value ({@code RLIM_INFINITY}) is reported. */
  public static final long UNLIMITED = Long.MAX_VALUE;

  /** The two limits: the one in force ({@code soft}) and the most it may be raised to. */
  public record Limits(long soft, long hard) {
    public Limits {
      if (soft < 0 || hard < 0 || soft > hard) {
        throw new IllegalArgumentException("soft " + soft + " and hard " + hard);
      }
    }
  }

  /** What {@link #raiseSoftToHard()} did. */
  public sealed interface Outcome {}

  /**
   * The soft limit was below the hard limit, and now equals it.
   *
   * @param previousSoft the soft limit before
   */
  public record Raised(long previousSoft, Limits limits) implements Outcome {}

  /** The soft limit already equalled the hard limit. */
  public record AtHardLimit(Limits limits) implements Outcome {}

  /**
   * The kernel refused to raise the soft limit ({@code setrlimit} failed), which stays as it was.
   *
   * @param reason the errno's name and what it means here
   */
  public record NotRaised(Limits limits, String reason) implements Outcome {}

  /** The limits cannot be read here: not Linux, or no native access. Nothing was changed. */
  public record Unavailable(String reason) implements Outcome {}

  private FileDescriptorLimit() {}

  /**
   * Raises the soft limit to the hard limit, which any process may do; raising the hard limit
   * itself needs {@code CAP_SYS_RESOURCE}, and is left to whoever starts the process ({@code
   * LimitNOFILE=} in systemd, {@code --ulimit nofile=} in a container runtime).
   */
  public static Outcome raiseSoftToHard() {
    String os = System.getProperty("os.name", "unknown");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
      return new Unavailable("raising RLIMIT_NOFILE needs Linux, and this is " + os);
    }
    try {
      long[] before = new long[2];
      int errno = Rlimit.get(before);
      if (errno != 0) {
        return new Unavailable("getrlimit(RLIMIT_NOFILE) failed: " + Errno.name(errno));
      }
      Limits limits = new Limits(before[0], before[1]);
      if (limits.soft() == limits.hard()) {
        return new AtHardLimit(limits);
      }
      errno = Rlimit.set(limits.hard(), limits.hard());
      if (errno != 0) {
        return new NotRaised(
            limits,
            "setrlimit(RLIMIT_NOFILE, " + describe(limits.hard()) + ") failed: " + meaning(errno));
      }
      long[] after = new long[2];
      errno = Rlimit.get(after);
      if (errno != 0) {
        return new Unavailable(
            "getrlimit(RLIMIT_NOFILE) failed after raising it: " + Errno.name(errno));
      }
      return new Raised(limits.soft(), new Limits(after[0], after[1]));
    } catch (LinkageError | RuntimeException e) {
      return unavailable(e);
    }
  }

  /** {@code 4096}, or {@code unlimited}. */
  public static String describe(long limit) {
    return limit == UNLIMITED ? "unlimited" : Long.toString(limit);
  }

  private static String meaning(int errno) {
    return switch (errno) {
      case Errno.EPERM -> "EPERM (the hard limit can only be raised with CAP_SYS_RESOURCE)";
      case Errno.EINVAL -> "EINVAL (above the kernel's fs.nr_open)";
      default -> Errno.name(errno);
    };
  }

  private static Unavailable unavailable(Throwable e) {
    // ExceptionInInitializerError (no such function), IllegalCallerException (native access
    // denied): either way the bindings are unusable.
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new Unavailable("getrlimit(2) cannot be called through FFM: " + cause);
  }

  /**
   * The two calls, bound on first use so that a platform without them fails inside the {@code try}
   * above rather than when this class loads. Errors come back as a positive errno, 0 meaning
   * success. Package-private for the tests, which lower the soft limit to see it raised.
   */
  static final class Rlimit {
    /** {@code RLIMIT_NOFILE} in the generic Linux ABI (x86_64 and aarch64). */
    private static final int RLIMIT_NOFILE = 7;

    /** {@code struct rlimit}: two {@code rlim_t}, unsigned 64-bit on both platforms. */
    private static final StructLayout RLIMIT =
        MemoryLayout.structLayout(JAVA_LONG.withName("rlim_cur"), JAVA_LONG.withName("rlim_max"));

    private static final VarHandle CURRENT = RLIMIT.varHandle(PathElement.groupElement("rlim_cur"));
    private static final VarHandle MAXIMUM = RLIMIT.varHandle(PathElement.groupElement("rlim_max"));

    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CALL_STATE_LAYOUT.varHandle(PathElement.groupElement("errno"));

    private static final MethodHandle GETRLIMIT;
    private static final MethodHandle SETRLIMIT;

    static {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      Linker.Option errno = Linker.Option.captureCallState("errno");
      // int getrlimit(int resource, struct rlimit *rlim); setrlimit takes a const pointer
      FunctionDescriptor descriptor = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
      GETRLIMIT = linker.downcallHandle(find(libc, "getrlimit"), descriptor, errno);
      SETRLIMIT = linker.downcallHandle(find(libc, "setrlimit"), descriptor, errno);
    }

    private Rlimit() {}

    private static MemorySegment find(SymbolLookup libc, String name) {
      return libc.find(name)
          .orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name));
    }

    /** Fills {@code limits} with the soft and the hard limit. */
    static int get(long[] limits) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment state = arena.allocate(CALL_STATE_LAYOUT);
        MemorySegment rlimit = arena.allocate(RLIMIT);
        int result;
        try {
          result = (int) GETRLIMIT.invokeExact(state, RLIMIT_NOFILE, rlimit);
        } catch (Throwable t) {
          throw new IllegalStateException("the native call getrlimit failed", t);
        }
        if (result != 0) {
          return (int) ERRNO.get(state, 0L);
        }
        limits[0] = fromNative((long) CURRENT.get(rlimit, 0L));
        limits[1] = fromNative((long) MAXIMUM.get(rlimit, 0L));
        return 0;
      }
    }

    static int set(long soft, long hard) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment state = arena.allocate(CALL_STATE_LAYOUT);
        MemorySegment rlimit = arena.allocate(RLIMIT);
        CURRENT.set(rlimit, 0L, toNative(soft));
        MAXIMUM.set(rlimit, 0L, toNative(hard));
        int result;
        try {
          result = (int) SETRLIMIT.invokeExact(state, RLIMIT_NOFILE, rlimit);
        } catch (Throwable t) {
          throw new IllegalStateException("the native call setrlimit failed", t);
        }
        return result == 0 ? 0 : (int) ERRNO.get(state, 0L);
      }
    }

    /** {@code RLIM_INFINITY} is all ones, which a signed long reads as negative. */
    private static long fromNative(long value) {
      return value < 0 ? UNLIMITED : value;
    }

    private static long toNative(long value) {
      return value == UNLIMITED ? -1L : value;
    }
  }
}
