package dev.zcproxy.app.proxy.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * Whether the proxy should get traffic: {@code /readyz} answers 200 only once the listener is bound
 * and a policy is loaded, and 503 again from the moment shutdown starts draining, so that a load
 * balancer stops sending new clients before the listener closes.
 */
public final class Readiness {

  private volatile boolean listenerBound;
  private volatile BooleanSupplier policyLoaded = () -> false;
  private volatile boolean draining;

  public void listenerBound() {
    listenerBound = true;
  }

  public void policyLoaded() {
    policyLoaded = () -> true;
  }

  /**
   * For a policy that may arrive after startup (from the state service): ready only while {@code
   * loaded} says a policy is in force.
   */
  public void policyLoadedWhen(BooleanSupplier loaded) {
    policyLoaded = loaded;
  }

  public void draining() {
    draining = true;
  }

  /**
   * Registers {@code zcproxy_ready}: 1 while {@link #isReady()}, else 0. {@code /readyz} as a
   * number, so that an alert can tell a proxy that runs but takes no clients.
   */
  public void bindMetrics(MeterRegistry registry) {
    Gauge.builder("zcproxy.ready", this, readiness -> readiness.isReady() ? 1 : 0)
        .description("1 while /readyz answers 200 (listener bound, policy loaded, not draining)")
        .strongReference(true)
        .register(registry);
  }

  public boolean isReady() {
    return listenerBound && policyLoaded.getAsBoolean() && !draining;
  }

  /** A short reason for a 503 body, or {@code ok}. */
  public String describe() {
    if (draining) {
      return "draining";
    }
    if (!policyLoaded.getAsBoolean()) {
      return "no policy loaded";
    }
    if (!listenerBound) {
      return "listener not bound";
    }
    return "ok";
  }
}
