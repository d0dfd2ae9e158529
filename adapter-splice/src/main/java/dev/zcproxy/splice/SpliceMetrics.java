package dev.zcproxy.splice;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The splice relay's own meters; bytes and tunnels are counted by the front end, tagged {@code
 * relay="splice"}. Prometheus renders these as {@code zcproxy_splice_pipes} (open, ready ones
 * included), {@code zcproxy_splice_pipes_in_use} (held by tunnels with bytes in flight), {@code
 * zcproxy_splice_pipes_max}, {@code zcproxy_splice_pipe_shortages_total{reason}} (a direction had
 * to copy), {@code zcproxy_splice_copied_bytes_total} (bytes the splice relay moved by copy),
 * {@code zcproxy_splice_errors_total} and {@code zcproxy_splice_events_total}.
 */
final class SpliceMetrics {

  /** Why a direction found no pipe. */
  enum Shortage {
    /** {@code relay.maxPipes} pipes are open already. */
    POOL_FULL("pool_full"),
    /** {@code pipe2} failed (out of descriptors, mostly). */
    SYSTEM_CALL_FAILED("pipe2_failed"),
    /** {@code pipe2} failed a moment ago; not tried again yet. */
    BACKING_OFF("backing_off");

    private final String label;

    Shortage(String label) {
      this.label = label;
    }
  }

  private final MeterRegistry registry;
  private final ConcurrentMap<Integer, Counter> errors = new ConcurrentHashMap<>();
  private final Map<Shortage, Counter> shortages = new EnumMap<>(Shortage.class);

  SpliceMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Both meters read process-wide counts, so a second relay on the same registry (a restarted
    // server) finds them already there and must not register them again.
    if (registry.find("zcproxy.splice.pipes").gauge() == null) {
      Gauge.builder("zcproxy.splice.pipes", Pipe::openPipes)
          .description(
              "Kernel pipes open: held by tunnels with bytes in flight, or ready in a pool")
          .register(registry);
      Gauge.builder("zcproxy.splice.pipes.in.use", PipePool::inUse)
          .description("Kernel pipes held by tunnels with bytes in flight; idle tunnels hold none")
          .register(registry);
      FunctionCounter.builder(
              "zcproxy.splice.copied.bytes",
              SpliceDirection.class,
              directions -> SpliceDirection.copiedSoFar())
          .description(
              "Bytes the splice relay moved by read/write: no pipe could be had, or (relay: auto)"
                  + " the direction was not streaming")
          .baseUnit("bytes")
          .register(registry);
      FunctionCounter.builder(
              "zcproxy.splice.events",
              SpliceTunnel.class,
              tunnels -> SpliceTunnel.readinessEventsSoFar())
          .description(
              "Readiness events handled for spliced sockets; it stands still while tunnels are"
                  + " quiet")
          .register(registry);
    }
    for (int errno : new int[] {Errno.ECONNRESET, Errno.EPIPE}) {
      errorCounter(errno);
    }
    for (Shortage shortage : Shortage.values()) {
      shortages.put(
          shortage,
          Counter.builder("zcproxy.splice.pipe.shortages")
              .description("Times a spliced direction found no pipe and copied instead, by reason")
              .tag("reason", shortage.label)
              .register(registry));
    }
  }

  /** The relay's pipe budget, for {@code zcproxy_splice_pipes_max}. */
  void budget(PipePool.Budget budget) {
    Gauge previous = registry.find("zcproxy.splice.pipes.max").gauge();
    if (previous != null) {
      registry.remove(previous); // a relay built later on the same registry (a restart) wins
    }
    Gauge.builder("zcproxy.splice.pipes.max", budget, PipePool.Budget::maxPipes)
        .description("The most pipes open at once (relay.maxPipes)")
        .register(registry);
  }

  void pipeShortage(Shortage shortage) {
    shortages.get(shortage).increment();
  }

  /** A system call failed; ECONNRESET and EPIPE are peers resetting, anything else is unusual. */
  void systemCallFailed(int errno) {
    errorCounter(errno).increment();
  }

  private Counter errorCounter(int errno) {
    return errors.computeIfAbsent(
        errno,
        e ->
            Counter.builder("zcproxy.splice.errors")
                .description("Failed system calls in the splice relay, by errno")
                .tag("errno", Errno.name(e))
                .register(registry));
  }
}
