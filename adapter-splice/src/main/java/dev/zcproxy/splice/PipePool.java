package dev.zcproxy.splice;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipes of one event loop. A spliced direction takes a pipe when it has bytes to move and gives
 * it back as soon as the pipe is empty again, so an idle tunnel holds none: its two sockets are all
 * the descriptors it costs. A few empty pipes stay ready for the next taker; the rest are closed.
 *
 * <p>All pools of a relay share one {@link Budget}: at most {@code maxPipes} pipes open at once,
 * ready ones included (HAProxy's {@code maxpipes}). When the budget is spent, or {@code pipe2}
 * fails (out of descriptors: EMFILE, ENFILE), {@link #take} returns null and the direction copies
 * instead; after a failed {@code pipe2} the pool does not try again for {@link
 * Budget#RETRY_AFTER_NANOS}, so a process out of descriptors does not pay a failing system call per
 * read.
 *
 * <p>Not thread-safe: a pool belongs to one event loop. The budget is shared and atomic.
 */
final class PipePool {
  /** Empty pipes a pool keeps ready, at most. */
  static final int KEEP_READY = 8;

  /** Pipes held by directions in this process right now (taken and not yet given back). */
  private static final AtomicInteger IN_USE = new AtomicInteger();

  private final Budget budget;
  private final ArrayDeque<Pipe> ready = new ArrayDeque<>();
  private final int keepReady;
  private boolean closed;

  PipePool(Budget budget) {
    this.budget = budget;
    this.keepReady = Math.min(KEEP_READY, budget.maxPipes());
  }

  /** An empty pipe, or null when none can be had right now (the caller copies instead). */
  Pipe take() {
    Pipe pipe = ready.pollLast();
    if (pipe == null && !closed) {
      pipe = budget.open();
    }
    if (pipe != null) {
      IN_USE.incrementAndGet();
    }
    return pipe;
  }

  /** Gives back a pipe; an empty one may be kept ready, one still holding bytes is closed. */
  void give(Pipe pipe) {
    IN_USE.decrementAndGet();
    if (!closed && pipe.buffered() == 0 && ready.size() < keepReady) {
      ready.addLast(pipe);
    } else {
      budget.close(pipe);
    }
  }

  static int inUse() {
    return IN_USE.get();
  }

  int ready() {
    return ready.size();
  }

  /** Closes the ready pipes; pipes given back later are closed at once. */
  void close() {
    closed = true;
    Pipe pipe;
    while ((pipe = ready.pollLast()) != null) {
      budget.close(pipe);
    }
  }

  /** The process-wide bound on pipes, and how a pipe is opened. */
  static final class Budget {
    private static final Logger log = LoggerFactory.getLogger(PipePool.class);

    /** After pipe2 failed, the pools copy for this long before they try it again. */
    static final long RETRY_AFTER_NANOS = 100_000_000L;

    /** At most one warning about failing pipes per this interval. */
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

    private final int pipeSize;
    private final int maxPipes;
    private final SpliceMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong retryAt = new AtomicLong(System.nanoTime());
    private final AtomicLong nextWarningAt = new AtomicLong(System.nanoTime());
    private final AtomicLong failuresSinceWarning = new AtomicLong();

    Budget(int pipeSize, int maxPipes, SpliceMetrics metrics) {
      this.pipeSize = pipeSize;
      this.maxPipes = maxPipes;
      this.metrics = metrics;
    }

    int maxPipes() {
      return maxPipes;
    }

    int pipeSize() {
      return pipeSize;
    }

    /** Pipes of this budget open right now, ready ones included. */
    int pipesOpen() {
      return open.get();
    }

    /** Opens a pipe within the budget; null when the budget is spent or the kernel refuses. */
    Pipe open() {
      if (System.nanoTime() - retryAt.get() < 0) {
        metrics.pipeShortage(SpliceMetrics.Shortage.BACKING_OFF);
        return null;
      }
      if (open.incrementAndGet() > maxPipes) {
        open.decrementAndGet();
        metrics.pipeShortage(SpliceMetrics.Shortage.POOL_FULL);
        return null;
      }
      try {
        return Pipe.open(pipeSize);
      } catch (SpliceException e) {
        open.decrementAndGet();
        retryAt.set(System.nanoTime() + RETRY_AFTER_NANOS);
        metrics.systemCallFailed(e.errno());
        metrics.pipeShortage(SpliceMetrics.Shortage.SYSTEM_CALL_FAILED);
        warnRarely(e);
        return null;
      }
    }

    void close(Pipe pipe) {
      pipe.close();
      open.decrementAndGet();
    }

    private void warnRarely(SpliceException e) {
      long failures = failuresSinceWarning.incrementAndGet();
      long now = System.nanoTime();
      long due = nextWarningAt.get();
      if (now - due >= 0 && nextWarningAt.compareAndSet(due, now + WARN_INTERVAL_NANOS)) {
        failuresSinceWarning.addAndGet(-failures);
        log.warn(
            "cannot open a pipe ({}; {} time(s) since the last warning): tunnels copy instead of"
                + " splicing until pipes can be had again; raise the file descriptor limit or"
                + " lower relay.maxPipes",
            e.getMessage(),
            failures);
      }
    }
  }
}
