package dev.zcproxy.app.proxy;

import dev.zcproxy.app.proxy.config.ConfigKey;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.splice.FileDescriptorLimit;
import dev.zcproxy.splice.FileDescriptorLimit.AtHardLimit;
import dev.zcproxy.splice.FileDescriptorLimit.NotRaised;
import dev.zcproxy.splice.FileDescriptorLimit.Outcome;
import dev.zcproxy.splice.FileDescriptorLimit.Raised;
import dev.zcproxy.splice.FileDescriptorLimit.Unavailable;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * How many tunnels the open-file limit leaves room for, in the startup log, and the guard {@code
 * limits.minOpenFiles}: a proxy whose limit is too low for the load it is sized for should refuse
 * to start, rather than fail with {@code EMFILE} under that load.
 *
 * @param outcome what raising the soft limit to the hard limit did
 * @param jvmLimit the limit as the JVM reads it, for platforms where {@link FileDescriptorLimit}
 *     cannot
 */
record OpenFileCapacity(Outcome outcome, OptionalLong jvmLimit) {

  /** A tunnel holds its client's socket and its upstream socket. */
  static final int DESCRIPTORS_PER_TUNNEL = 2;

  /**
   * Kept for the process beyond what it holds at startup: admin and policy connections, DNS
   * sockets, certificate and policy reloads, splice pipes in flight.
   */
  static final int RESERVED = 100;

  /** Raises the soft limit to the hard limit of this process and records what happened. */
  static OpenFileCapacity raise() {
    return new OpenFileCapacity(FileDescriptorLimit.raiseSoftToHard(), jvm(true));
  }

  /** The limit now in force, if known. */
  OptionalLong limit() {
    return switch (outcome) {
      case Raised raised -> OptionalLong.of(raised.limits().soft());
      case AtHardLimit at -> OptionalLong.of(at.limits().soft());
      case NotRaised not -> OptionalLong.of(not.limits().soft());
      case Unavailable unavailable -> jvmLimit;
    };
  }

  /** Whether the log line is a warning: the limit could not be raised, or not even read. */
  boolean worrying() {
    return outcome instanceof NotRaised || outcome instanceof Unavailable;
  }

  /**
   * The startup line, e.g. {@code file descriptors: limit 20,000 (raised from 1,024), 85 open:
   * about 9,907 idle tunnels at 2 descriptors each, 100 kept for the process}.
   *
   * @param open the descriptors open now, if known
   */
  String describe(OptionalLong open) {
    String limit =
        switch (outcome) {
          case Raised raised ->
              "limit "
                  + number(raised.limits().soft())
                  + " (raised from "
                  + number(raised.previousSoft())
                  + ", the hard limit)";
          case AtHardLimit at -> "limit " + number(at.limits().soft()) + " (the hard limit)";
          case NotRaised not ->
              "limit "
                  + number(not.limits().soft())
                  + " (not raised to the hard limit "
                  + number(not.limits().hard())
                  + ": "
                  + not.reason()
                  + ")";
          case Unavailable unavailable ->
              jvmLimit.isPresent()
                  ? "limit " + number(jvmLimit.getAsLong()) + " (" + unavailable.reason() + ")"
                  : "limit unknown (" + unavailable.reason() + ")";
        };
    OptionalLong soft = limit();
    if (soft.isEmpty() || open.isEmpty()) {
      return "file descriptors: " + limit;
    }
    if (soft.getAsLong() == FileDescriptorLimit.UNLIMITED) {
      return "file descriptors: " + limit + ", " + number(open.getAsLong()) + " open";
    }
    long tunnels =
        Math.max(0, (soft.getAsLong() - open.getAsLong() - RESERVED) / DESCRIPTORS_PER_TUNNEL);
    return "file descriptors: "
        + limit
        + ", "
        + number(open.getAsLong())
        + " open: about "
        + number(tunnels)
        + " idle tunnels at "
        + DESCRIPTORS_PER_TUNNEL
        + " descriptors each, "
        + RESERVED
        + " kept for the process";
  }

  /**
   * Why the limit falls short of {@code limits.minOpenFiles}, naming the key and how to raise the
   * hard limit; null when it does not (or no minimum is set).
   */
  String shortfall(ProxyConfig config) {
    int wanted = config.limits().minOpenFiles();
    if (wanted == 0) {
      return null;
    }
    OptionalLong soft = limit();
    if (soft.isPresent() && soft.getAsLong() >= wanted) {
      return null;
    }
    String found =
        switch (outcome) {
          case Raised raised ->
              "the hard limit of this process is " + number(raised.limits().hard());
          case AtHardLimit at -> "the hard limit of this process is " + number(at.limits().hard());
          case NotRaised not ->
              "the limit is "
                  + number(not.limits().soft())
                  + " and could not be raised to the hard limit "
                  + number(not.limits().hard())
                  + " ("
                  + not.reason()
                  + ")";
          case Unavailable unavailable ->
              soft.isPresent()
                  ? "the limit is " + number(soft.getAsLong()) + " (" + unavailable.reason() + ")"
                  : "the limit cannot be read (" + unavailable.reason() + ")";
        };
    return config.problem(
        ConfigKey.LIMITS_MIN_OPEN_FILES,
        "needs an open-file limit of at least "
            + number(wanted)
            + ", but "
            + found
            + ". The proxy raises its soft limit to the hard limit; the hard limit is set by"
            + " whoever starts it: LimitNOFILE= in a systemd unit, --ulimit nofile=N:N with"
            + " docker or podman, the container runtime's default nofile limit on a"
            + " Kubernetes node (containerd's LimitNOFILE, CRI-O's default_ulimits), or"
            + " ulimit -Hn in the shell that starts it");
  }

  /** What the JVM's operating-system bean says: the soft limit, or the open descriptors. */
  static OptionalLong jvm(boolean limit) {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long value = limit ? unix.getMaxFileDescriptorCount() : unix.getOpenFileDescriptorCount();
      return value >= 0 ? OptionalLong.of(value) : OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  private static String number(long value) {
    return value == FileDescriptorLimit.UNLIMITED
        ? "unlimited"
        : String.format(Locale.ROOT, "%,d", value);
  }
}
