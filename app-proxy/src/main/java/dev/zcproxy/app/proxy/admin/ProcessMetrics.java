package dev.zcproxy.app.proxy.admin;

import dev.zcproxy.app.proxy.policy.PolicyFileWatcher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/** The meters that describe the process rather than the traffic: the JVM, the OS, the policy. */
public final class ProcessMetrics {

  private ProcessMetrics() {}

  /**
   * Binds JVM and process meters, and two policy gauges: {@code zcproxy_policy_revision} and {@code
   * zcproxy_policy_loaded_timestamp_seconds} (Unix time of the last successful load, so an alert
   * can spot a policy that has not changed when it should have).
   */
  public static void bind(MeterRegistry registry, PolicyFileWatcher policy) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("zcproxy.policy.revision", policy, PolicyFileWatcher::revision)
        .description("Revision of the policy in force; 1 at startup, +1 per reload")
        .strongReference(true) // Micrometer holds gauge state weakly by default
        .register(registry);
    Gauge.builder(
            "zcproxy.policy.loaded.timestamp",
            policy,
            watcher -> watcher.loadedAt().toEpochMilli() / 1000.0)
        .description("When the policy in force was loaded, as Unix time")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
  }
}
