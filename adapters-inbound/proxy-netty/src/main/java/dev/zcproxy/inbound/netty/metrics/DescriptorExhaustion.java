package dev.zcproxy.inbound.netty.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sockets the proxy could not open because the process or the system is out of file descriptors
 * (EMFILE, ENFILE) or of socket memory (ENOBUFS, ENOMEM): counted in {@code
 * zcproxy_fd_exhaustion_total{operation}}, and logged as one warning per operation and interval
 * rather than once per failure, since under that load a failure comes with every client.
 *
 * <p>Everything the failure path needs is loaded and built up front: once descriptors run out, the
 * class loader may not be able to open a jar.
 */
public final class DescriptorExhaustion {

  /** At most one warning per operation this often. */
  public static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(DescriptorExhaustion.class);

  private static final int ENOMEM = 12;
  private static final int ENFILE = 23;
  private static final int EMFILE = 24;
  private static final int ENOBUFS = 105;

  /** Where the proxy ran out. */
  public enum Operation {
    /** The listener's {@code accept(2)}: a client's connection waits in the backlog. */
    ACCEPT,
    /** {@code socket(2)} for an upstream connection: the client is refused. */
    CONNECT;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Counter accepts;
  private final Counter connects;
  private final LogThrottle acceptLines;
  private final LogThrottle connectLines;
  private final long intervalSeconds;

  public DescriptorExhaustion(MeterRegistry registry) {
    this(registry, LOG_INTERVAL, System::nanoTime);
  }

  public DescriptorExhaustion(MeterRegistry registry, Duration interval, LongSupplier nanoClock) {
    this.accepts = counter(registry, Operation.ACCEPT);
    this.connects = counter(registry, Operation.CONNECT);
    this.acceptLines = new LogThrottle(interval, nanoClock);
    this.connectLines = new LogThrottle(interval, nanoClock);
    this.intervalSeconds = Math.max(1, interval.toSeconds());
  }

  private static Counter counter(MeterRegistry registry, Operation operation) {
    return Counter.builder("zcproxy.fd.exhaustion")
        .description(
            "Sockets the proxy could not open: out of file descriptors (EMFILE, ENFILE) or socket"
                + " memory (ENOBUFS, ENOMEM)")
        .tag("operation", operation.label())
        .register(registry);
  }

  /**
   * The errno name when {@code failure}, or one of its causes, is a lack of descriptors or socket
   * memory; null otherwise. Epoll reports a {@link Errors.NativeIoException} with the errno, NIO an
   * {@link IOException} with the C library's text.
   */
  public static String reason(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof Errors.NativeIoException nativeFailure) {
        String name = name(Math.abs(nativeFailure.expectedErr()));
        if (name != null) {
          return name;
        }
      }
      if (cause instanceof IOException && cause.getMessage() != null) {
        String message = cause.getMessage();
        if (message.contains("Too many open files in system")) {
          return "ENFILE";
        }
        if (message.contains("Too many open files")) {
          return "EMFILE";
        }
        if (message.contains("No buffer space available")) {
          return "ENOBUFS";
        }
        if (message.contains("Cannot allocate memory")) {
          return "ENOMEM";
        }
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return null;
  }

  private static String name(int errno) {
    return switch (errno) {
      case EMFILE -> "EMFILE";
      case ENFILE -> "ENFILE";
      case ENOBUFS -> "ENOBUFS";
      case ENOMEM -> "ENOMEM";
      default -> null;
    };
  }

  /**
   * Counts one failure; logs it unless this operation was logged less than an interval ago.
   *
   * @param reason the errno name, from {@link #reason}
   */
  public void record(Operation operation, String reason) {
    LogThrottle lines;
    if (operation == Operation.ACCEPT) {
      accepts.increment();
      lines = acceptLines;
    } else {
      connects.increment();
      lines = connectLines;
    }
    long heldBack = lines.admit();
    if (heldBack != LogThrottle.SUPPRESSED) {
      log.warn(
          "{} failed with {}: out of file descriptors or socket memory; {} more since the last"
              + " such line (one line per {}s; every failure counts in"
              + " zcproxy_fd_exhaustion_total). Raise the open-file limit, or lower the load",
          operation.label(),
          reason,
          heldBack,
          intervalSeconds);
    }
  }
}
