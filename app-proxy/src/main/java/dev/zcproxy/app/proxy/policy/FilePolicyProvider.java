package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.app.proxy.admin.PolicyStatus;
import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.state.PolicyDigest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code policy.file}: the YAML policy, loaded at startup and reloaded by {@link
 * PolicyFileWatcher}.
 */
public final class FilePolicyProvider implements PolicyProvider {

  private final PolicyFileWatcher watcher;
  private final Clock clock;

  private FilePolicyProvider(PolicyFileWatcher watcher, Clock clock) {
    this.watcher = watcher;
    this.clock = clock;
  }

  /**
   * @throws ConfigException when the file is missing or invalid
   */
  public static FilePolicyProvider load(Path file, Clock clock) throws ConfigException {
    return new FilePolicyProvider(
        PolicyFileWatcher.load(file, new PolicyFileLoader(), clock), clock);
  }

  public PolicyFileWatcher watcher() {
    return watcher;
  }

  @Override
  public ActivePolicy activePolicy() {
    return watcher.activePolicy();
  }

  @Override
  public void start(ConnectionRegistry tunnels) throws IOException {
    watcher.connections(tunnels);
    watcher.start();
  }

  @Override
  public void reload() {
    watcher.reload();
  }

  @Override
  public boolean hasPolicy() {
    return true;
  }

  @Override
  public long revision() {
    return watcher.revision();
  }

  @Override
  public PolicyStatus status() {
    var current = watcher.activePolicy().current();
    return new PolicyStatus(
        current.revision(),
        Optional.of(PolicyDigest.of(current.policy())),
        "file",
        "file",
        Math.max(0, clock.millis() - watcher.loadedAt().toEpochMilli()) / 1000.0);
  }

  @Override
  public void bindMetrics(MeterRegistry registry) {
    Gauge.builder("zcproxy.policy.revision", watcher, PolicyFileWatcher::revision)
        .description("Revision of the policy in force; 1 at startup, +1 per reload")
        .strongReference(true) // Micrometer holds gauge state weakly by default
        .register(registry);
    Gauge.builder(
            "zcproxy.policy.loaded.timestamp", watcher, w -> w.loadedAt().toEpochMilli() / 1000.0)
        .description("When the policy in force was loaded, as Unix time")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
  }

  @Override
  public String describe() {
    return "file " + watcher.file();
  }

  @Override
  public void close() {
    watcher.close();
  }
}
