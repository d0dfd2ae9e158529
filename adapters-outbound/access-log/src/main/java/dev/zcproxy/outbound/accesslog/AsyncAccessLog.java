package dev.zcproxy.outbound.accesslog;

import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.port.out.AccessLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log, written by one thread of its own: {@link #log} only offers the record to a
 * bounded queue, so an event loop never waits for a disk. When the queue is full the line is
 * dropped and counted in {@code zcproxy_access_log_dropped_total{reason="queue_full"}}; a tunnel is
 * never stalled by its log. Lines written are counted in {@code zcproxy_access_log_lines_total}.
 *
 * <p>A file is opened (created, appended to) by the factory, so that an unwritable path is a
 * startup error, and opened again by the writer thread after {@link #reopen()}: logrotate moves the
 * file, sends SIGHUP, and the next lines go to a new file under the configured name.
 */
public final class AsyncAccessLog implements AccessLog, AutoCloseable {
  /** Lines held while the writer is behind: about 20 MiB of records at the most. */
  public static final int DEFAULT_CAPACITY = 65_536;

  private static final Logger log = LoggerFactory.getLogger(AsyncAccessLog.class);

  /** How long the writer waits for a line before it looks for a reopen or a close. */
  private static final long POLL_MILLIS = 200;

  /** Where lines go: a file, opened again on reopen, or a stream that stays. */
  interface Target {
    OutputStream open() throws IOException;

    /** Whether {@link #open} gives something new each time: a file, not stdout. */
    boolean reopenable();
  }

  private final Target target;
  private final AccessLogFormat format;
  private final BlockingQueue<AccessRecord> queue;
  private final Counter queueFull;
  private final Counter writeErrors;
  private final Counter lines;
  private final Thread writerThread;
  private volatile boolean reopenRequested;
  private volatile boolean running = true;
  private Writer writer; // the writer thread's only, once started
  private boolean failing; // the writer thread's: logs a failure once until a write succeeds

  /**
   * A log appended to the file at {@code path}, created if absent.
   *
   * @throws IOException if the file cannot be opened for writing
   */
  public static AsyncAccessLog toFile(
      Path path, AccessLogFormat format, int capacity, MeterRegistry registry) throws IOException {
    Objects.requireNonNull(path, "path");
    return new AsyncAccessLog(
        new Target() {
          @Override
          public OutputStream open() throws IOException {
            return Files.newOutputStream(
                path,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
          }

          @Override
          public boolean reopenable() {
            return true;
          }

          @Override
          public String toString() {
            return path.toString();
          }
        },
        format,
        capacity,
        registry);
  }

  /** A log on the process's standard output, which {@link #close} leaves open. */
  public static AsyncAccessLog toStdout(
      AccessLogFormat format, int capacity, MeterRegistry registry) {
    try {
      return new AsyncAccessLog(
          new Target() {
            @Override
            public OutputStream open() {
              return new FileOutputStream(FileDescriptor.out) {
                @Override
                public void close() throws IOException {
                  flush(); // stdout outlives the log
                }
              };
            }

            @Override
            public boolean reopenable() {
              return false;
            }

            @Override
            public String toString() {
              return "stdout";
            }
          },
          format,
          capacity,
          registry);
    } catch (IOException cannot) {
      throw new IllegalStateException("stdout cannot fail to open", cannot);
    }
  }

  AsyncAccessLog(Target target, AccessLogFormat format, int capacity, MeterRegistry registry)
      throws IOException {
    this.target = Objects.requireNonNull(target, "target");
    this.format = Objects.requireNonNull(format, "format");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = writerOn(target.open());
    this.queueFull = dropped(registry, "queue_full");
    this.writeErrors = dropped(registry, "write_error");
    this.lines =
        Counter.builder("zcproxy.access.log.lines")
            .description("Access log lines written")
            .register(registry);
    Gauge.builder("zcproxy.access.log.queued", queue, BlockingQueue::size)
        .description("Access log lines waiting for the writer")
        .register(registry);
    this.writerThread = Thread.ofPlatform().name("access-log-writer").daemon().unstarted(this::run);
    writerThread.start();
  }

  private static Counter dropped(MeterRegistry registry, String reason) {
    return Counter.builder("zcproxy.access.log.dropped")
        .description("Access log lines dropped: the queue was full, or the write failed")
        .tag("reason", reason)
        .register(registry);
  }

  private static Writer writerOn(OutputStream stream) {
    return new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
  }

  @Override
  public void log(AccessRecord record) {
    if (!running || !queue.offer(record)) {
      queueFull.increment();
    }
  }

  /** Asks the writer to open the file again before its next line (SIGHUP, after logrotate). */
  public void reopen() {
    if (target.reopenable()) {
      reopenRequested = true;
    }
  }

  /** Writes what is queued, closes the file and stops the writer; later lines are dropped. */
  @Override
  public void close() {
    running = false;
    try {
      writerThread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      while (running || !queue.isEmpty()) {
        AccessRecord next;
        try {
          next = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
          break;
        }
        if (reopenRequested) {
          reopenNow();
        }
        if (next == null) {
          continue;
        }
        write(next);
        if (queue.isEmpty()) {
          flush();
        }
      }
    } finally {
      closeWriter();
    }
  }

  private void write(AccessRecord record) {
    String line;
    try {
      line = format.format(record);
    } catch (RuntimeException bug) {
      log.error("cannot format an access log line", bug);
      writeErrors.increment();
      return;
    }
    try {
      writer.write(line);
      writer.write('\n');
      lines.increment();
      failing = false;
    } catch (IOException failed) {
      writeErrors.increment();
      if (!failing) {
        failing = true;
        log.warn("cannot write the access log {}: {}", target, failed.toString());
      }
    }
  }

  private void flush() {
    try {
      writer.flush();
    } catch (IOException failed) {
      if (!failing) {
        failing = true;
        log.warn("cannot write the access log {}: {}", target, failed.toString());
      }
    }
  }

  private void reopenNow() {
    reopenRequested = false;
    Writer reopened;
    try {
      reopened = writerOn(target.open());
    } catch (IOException failed) {
      // Keep writing to the old file: better a moved file than no log.
      log.warn("cannot reopen the access log {}: {}", target, failed.toString());
      return;
    }
    closeWriter();
    writer = reopened;
    log.info("access log {} reopened", target);
  }

  private void closeWriter() {
    try {
      writer.close();
    } catch (IOException failed) {
      log.warn("cannot close the access log {}: {}", target, failed.toString());
    }
  }
}
