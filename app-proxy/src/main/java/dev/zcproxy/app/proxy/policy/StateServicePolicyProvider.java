package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.app.proxy.admin.PolicyStatus;
import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.Durations;
import dev.zcproxy.app.proxy.config.ProxyConfig.PolicySource;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.port.out.PolicySourceUnavailableException;
import dev.zcproxy.domain.service.PolicyFollower;
import dev.zcproxy.outbound.stateclient.FilePolicySnapshotStore;
import dev.zcproxy.outbound.stateclient.HttpPolicySnapshotSource;
import dev.zcproxy.outbound.stateclient.PublishedSigningKey;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code policy.stateService}: a {@link PolicyFollower} fed by the state service's snapshot
 * endpoint, the local cache file, and the broker when one is configured. One daemon thread ({@code
 * policy-follower}) runs the start, the periodic check every {@code policy.resyncInterval} and the
 * broker's events, so they never overlap and never hold up the broker's own thread.
 */
public final class StateServicePolicyProvider implements PolicyProvider {

  private static final Logger LOG = LoggerFactory.getLogger(StateServicePolicyProvider.class);

  private final PolicySource.StateService config;
  private final Clock clock;
  private final ActivePolicy active = PolicyFollower.denyAll();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          task -> Thread.ofPlatform().name("policy-follower").daemon().unstarted(task));
  private final Function<PolicyMessageVerifier, PolicyFeed> feeds; // null: no broker
  private volatile PolicyFollower follower;
  private volatile PolicyFeed feed;
  private volatile boolean closed;

  /**
   * @throws ConfigException when {@code policy.broker.url} names no broker this build can serve
   */
  public StateServicePolicyProvider(PolicySource.StateService config, Clock clock)
      throws ConfigException {
    this.config = config;
    this.clock = clock;
    this.feeds =
        config.broker().isPresent() ? PolicyFeeds.opener(config.broker().orElseThrow()) : null;
  }

  @Override
  public ActivePolicy activePolicy() {
    return active;
  }

  /**
   * Installs the cached snapshot and fetches a fresh one (both before returning, so the listener
   * opens with the best policy there is), then schedules the periodic check and opens the feed.
   */
  @Override
  public void start(ConnectionRegistry tunnels) {
    PolicyFollower created =
        new PolicyFollower(
            new HttpPolicySnapshotSource(config.service()),
            new FilePolicySnapshotStore(config.cacheFile()),
            active,
            tunnels,
            new LoggingFollowerObserver(),
            clock);
    follower = created;
    created.start();
    long every = config.resyncInterval().toMillis();
    thread.scheduleWithFixedDelay(() -> safely(created::poll), every, every, TimeUnit.MILLISECONDS);
    if (feeds != null) {
      thread.execute(() -> subscribe(created));
    }
    if (!created.hasPolicy()) {
      LOG.warn(
          "no policy yet (no cache in {} and the state service did not answer): every client is"
              + " refused and /readyz says 503 until it does",
          config.cacheFile());
    }
  }

  /**
   * Opens the broker feed once the state service's signing key is known, trying again every {@code
   * policy.resyncInterval} until it is; until then the periodic check alone keeps the policy fresh.
   * Runs on the follower's thread.
   */
  private void subscribe(PolicyFollower follower) {
    if (closed) {
      return;
    }
    PolicyMessageVerifier verifier;
    try {
      PublishedSigningKey key = new HttpPolicySnapshotSource(config.service()).fetchSigningKey();
      verifier = PolicyMessageVerifier.of(key.algorithm(), key.keyId(), key.publicKey());
      LOG.info(
          "policy changes from broker {}, signed with key {}",
          redacted(config.broker().orElseThrow()),
          key.keyId());
    } catch (PolicySourceUnavailableException | IllegalArgumentException noKey) {
      LOG.warn(
          "cannot subscribe to broker {} yet, no signing key from the state service ({}); polling"
              + " every {} meanwhile",
          redacted(config.broker().orElseThrow()),
          noKey.getMessage(),
          Durations.format(config.resyncInterval()));
      thread.schedule(
          () -> subscribe(follower), config.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    PolicyFeed opened = feeds.apply(verifier);
    feed = opened;
    opened.start(follower.listener(thread));
  }

  /** The broker URL without its password, for logs. */
  private static String redacted(java.net.URI broker) {
    String userInfo = broker.getRawUserInfo();
    return userInfo == null
        ? broker.toString()
        : broker.toString().replace(userInfo + "@", userInfo.replaceAll(":.*", ":***") + "@");
  }

  private static void safely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException bug) {
      LOG.error("the policy check failed", bug);
    }
  }

  @Override
  public void reload() {
    PolicyFollower current = follower;
    if (current != null) {
      thread.execute(() -> safely(() -> current.resync(PolicyFollower.Resync.RECONNECT)));
    }
  }

  @Override
  public boolean hasPolicy() {
    PolicyFollower current = follower;
    return current != null && current.hasPolicy();
  }

  @Override
  public long revision() {
    return active.current().revision();
  }

  @Override
  public PolicyStatus status() {
    PolicyFollower current = follower;
    if (current == null) {
      return new PolicyStatus(0, java.util.Optional.empty(), "state-service", "none", -1);
    }
    PolicyFollower.Status status = current.status();
    return new PolicyStatus(
        status.revision(),
        status.digest(),
        "state-service",
        status.origin().label(),
        current.ageSeconds());
  }

  @Override
  public void bindMetrics(MeterRegistry registry) {
    Gauge.builder("zcproxy.policy.revision", this, StateServicePolicyProvider::revision)
        .description("Revision of the policy in force, as the state service numbers it; 0: none")
        .strongReference(true)
        .register(registry);
    Gauge.builder("zcproxy.policy.age", this, p -> followerValue(p, PolicyFollower::ageSeconds, -1))
        .description(
            "Seconds since the policy was last confirmed with the state service (a snapshot or a"
                + " change); -1 before the first")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
    counter(
        registry, "zcproxy.policy.resyncs", "Snapshots fetched (304s included)", f -> f.resyncs());
    counter(
        registry,
        "zcproxy.policy.deltas.applied",
        "Policy changes from the broker applied",
        f -> f.deltasApplied());
    counter(
        registry,
        "zcproxy.policy.deltas.duplicate",
        "Policy changes from the broker ignored as already applied",
        f -> f.duplicates());
    counter(
        registry,
        "zcproxy.policy.messages.rejected",
        "Broker messages dropped as malformed, unsigned or unknown",
        f -> f.rejectedMessages());
  }

  private void counter(
      MeterRegistry registry, String name, String help, ToDoubleFunction<PolicyFollower> value) {
    FunctionCounter.builder(name, this, p -> followerValue(p, value, 0))
        .description(help)
        .register(registry);
  }

  private static double followerValue(
      StateServicePolicyProvider provider, ToDoubleFunction<PolicyFollower> value, double none) {
    PolicyFollower current = provider.follower;
    return current == null ? none : value.applyAsDouble(current);
  }

  @Override
  public String describe() {
    return "state service "
        + config.service().url()
        + (feeds == null
            ? " (polled every " + Durations.format(config.resyncInterval()) + ")"
            : " and broker " + redacted(config.broker().orElseThrow()));
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    PolicyFeed opened = feed;
    if (opened != null) {
      opened.close();
    }
  }
}
