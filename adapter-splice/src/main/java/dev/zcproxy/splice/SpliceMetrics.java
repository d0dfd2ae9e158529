package dev.zcproxy.splice;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The splice relay's own meters; bytes and tunnels are counted by the front end, tagged {@code
 * relay="splice"}. Prometheus renders these as {@code zcproxy_splice_pipes}, {@code
 * zcproxy_splice_errors_total} and {@code zcproxy_splice_events_total}.
 */
final class SpliceMetrics {

  private final MeterRegistry registry;
  private final ConcurrentMap<Integer, Counter> errors = new ConcurrentHashMap<>();

  SpliceMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Both meters read process-wide counts, so a second relay on the same registry (a restarted
    // server) finds them already there and must not register them again.
    if (registry.find("zcproxy.splice.pipes").gauge() == null) {
      Gauge.builder("zcproxy.splice.pipes", Pipe::openPipes)
          .description("Kernel pipes held by spliced tunnels (two per tunnel)")
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
