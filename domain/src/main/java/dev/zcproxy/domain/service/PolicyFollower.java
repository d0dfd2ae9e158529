package dev.zcproxy.domain.service;

import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.ConnectionRegistry;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.port.out.PolicySnapshotSource;
import dev.zcproxy.domain.port.out.PolicySnapshotStore;
import dev.zcproxy.domain.port.out.PolicySourceUnavailableException;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyDeltas;
import dev.zcproxy.domain.state.PolicyDigest;
import dev.zcproxy.domain.state.PolicyRevision;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a proxy's {@link ActivePolicy} in step with the state service: a full snapshot from the
 * {@link PolicySnapshotSource}, then the changes the {@link PolicyFeed} delivers.
 *
 * <ul>
 *   <li><b>Start</b>: the locally saved snapshot, if any, is installed at once (the proxy serves
 *       with it), then a snapshot is fetched. Until some snapshot is installed the policy in force
 *       is deny-all and {@link #hasPolicy()} is false (the proxy is not ready).
 *   <li><b>A change</b> is applied only when its previous revision is the applied revision. One at
 *       or below the applied revision is a duplicate and ignored. Any other is a <b>gap</b>, and so
 *       is a change that does not fit the applied policy: both fetch a full snapshot.
 *   <li><b>A full snapshot</b> (at start, on a gap, on {@code connected()} after a reconnect, and
 *       on every {@link #poll()}) is installed when its revision is higher than the applied one, or
 *       equal with a different {@link PolicyDigest} (this copy had diverged: the source wins). An
 *       older one is ignored and reported: the source went back in time (a restored backup, a
 *       lagging replica), and rolling every proxy back silently is worse than asking an operator.
 *       {@link #poll()} asks with the applied revision ({@code If-None-Match}), so an unchanged
 *       source costs a 304; the other occasions fetch unconditionally, so they also catch a
 *       diverged copy at the same revision.
 *   <li><b>Outages</b>: when the source or the broker is down, the last good policy stays in force.
 *   <li><b>After every install</b>, the snapshot is saved locally and the {@link
 *       ConnectionRegistry} re-authorizes live tunnels, closing those the new policy refuses.
 * </ul>
 *
 * Thread-safe: every entry point that touches the policy takes the follower's lock, so a fetch and
 * a change never interleave. {@link #listener(Executor)} gives the feed a listener that hands each
 * event to an executor, so a slow fetch never holds up the broker's delivery thread.
 */
public final class PolicyFollower implements PolicyFeed.Listener {

  /** Where the policy in force came from. */
  public enum Origin {
    /** Nothing yet: deny-all. */
    NONE("none"),
    /** The locally saved copy, read at start. */
    CACHE("cache"),
    /** A full snapshot from the state service. */
    SNAPSHOT("snapshot"),
    /** A change from the broker, applied to a snapshot. */
    FEED("feed");

    private final String label;

    Origin(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** Why a full snapshot is fetched. */
  public enum Resync {
    START,
    GAP,
    RECONNECT,
    POLL
  }

  /**
   * What the follower did, for logs. Calls are made under the follower's lock (keep them short),
   * except {@link #rejectedMessage} and {@link #feedDisconnected}, which come straight from the
   * feed's thread.
   */
  public interface Observer {
    void installed(long revision, String digest, Origin origin, int tunnelsClosed);

    /**
     * @param first whether the source answered the previous fetch (log loudly once per outage)
     */
    void sourceUnavailable(Resync reason, String message, boolean first);

    /** The source answered again after {@link #sourceUnavailable}. */
    void sourceBack();

    void staleSnapshotIgnored(long fetchedRevision, long appliedRevision);

    void gap(long appliedRevision, OutboxEntry entry);

    void inconsistentChange(String reason);

    void invalidPolicy(long revision, String reason);

    void rejectedMessage(String reason);

    void feedDisconnected(String reason);

    void cacheProblem(String message);
  }

  /** What {@code /policy} reports. */
  public record Status(
      long revision, Optional<String> digest, Origin origin, Optional<Instant> syncedAt) {}

  private final PolicySnapshotSource source;
  private final PolicySnapshotStore store;
  private final ActivePolicy active;
  private final ConnectionRegistry connections;
  private final Observer observer;
  private final Clock clock;

  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong deltasApplied = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();

  // Guarded by this.
  private PolicyRevision applied;
  private String digest;
  private Origin origin = Origin.NONE;
  private boolean sourceDown;
  private volatile Instant syncedAt;
  private volatile Status status = new Status(0, Optional.empty(), Origin.NONE, Optional.empty());

  public PolicyFollower(
      PolicySnapshotSource source,
      PolicySnapshotStore store,
      ActivePolicy active,
      ConnectionRegistry connections,
      Observer observer,
      Clock clock) {
    this.source = Objects.requireNonNull(source, "source");
    this.store = Objects.requireNonNull(store, "store");
    this.active = Objects.requireNonNull(active, "active");
    this.connections = Objects.requireNonNull(connections, "connections");
    this.observer = Objects.requireNonNull(observer, "observer");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The deny-all policy a follower starts from, as revision 0. */
  public static ActivePolicy denyAll() {
    return new ActivePolicy(PolicySnapshot.compile(Policy.denyAll(), 0));
  }

  /** Installs the saved snapshot, if there is a good one, then fetches from the source. */
  public synchronized void start() {
    Optional<PolicySnapshotStore.Saved> saved;
    try {
      saved = store.load();
    } catch (RuntimeException unreadable) {
      observer.cacheProblem("cannot use the saved policy: " + unreadable.getMessage());
      saved = Optional.empty();
    }
    saved.ifPresent(
        copy -> {
          if (install(copy.policy(), Origin.CACHE, false)) {
            syncedAt = copy.syncedAt();
            publishStatus();
          }
        });
    resync(Resync.START);
  }

  /** The periodic check: a conditional fetch (cheap when nothing changed). */
  public void poll() {
    resync(Resync.POLL);
  }

  /** Fetches a snapshot now and installs it if it is newer (see the class comment). */
  public synchronized void resync(Resync reason) {
    Optional<PolicyRevision> fetched;
    try {
      fetched =
          reason == Resync.POLL && applied != null
              ? source.fetchIfChanged(applied.revision())
              : Optional.of(source.fetch());
    } catch (PolicySourceUnavailableException unavailable) {
      observer.sourceUnavailable(reason, unavailable.getMessage(), !sourceDown);
      sourceDown = true;
      return;
    }
    if (sourceDown) {
      sourceDown = false;
      observer.sourceBack();
    }
    resyncs.incrementAndGet();
    if (fetched.isEmpty()) {
      synced();
      return;
    }
    PolicyRevision snapshot = fetched.get();
    if (applied != null) {
      if (snapshot.revision() < applied.revision()) {
        observer.staleSnapshotIgnored(snapshot.revision(), applied.revision());
        return;
      }
      if (snapshot.revision() == applied.revision() && PolicyDigest.of(snapshot).equals(digest)) {
        synced();
        return;
      }
    }
    if (install(snapshot, Origin.SNAPSHOT, true)) {
      synced();
    }
  }

  @Override
  public void connected() {
    resync(Resync.RECONNECT);
  }

  @Override
  public synchronized void change(OutboxEntry entry) {
    Objects.requireNonNull(entry, "entry");
    if (applied != null && entry.revision() <= applied.revision()) {
      duplicates.incrementAndGet();
      return;
    }
    if (applied == null || entry.previousRevision() != applied.revision()) {
      observer.gap(applied == null ? -1 : applied.revision(), entry);
      resync(Resync.GAP);
      return;
    }
    switch (PolicyDeltas.apply(applied, entry)) {
      case PolicyDeltas.Result.Applied(PolicyRevision next) -> {
        if (install(next, Origin.FEED, true)) {
          deltasApplied.incrementAndGet();
          synced();
        } else {
          resync(Resync.GAP);
        }
      }
      case PolicyDeltas.Result.Inconsistent(String reason) -> {
        observer.inconsistentChange(reason);
        resync(Resync.GAP);
      }
    }
  }

  @Override
  public void rejected(String reason) {
    rejected.incrementAndGet();
    observer.rejectedMessage(reason);
  }

  @Override
  public void disconnected(String reason) {
    observer.feedDisconnected(reason);
  }

  /**
   * A listener for the feed that runs each event on {@code serial} (one thread, in order), so the
   * broker's thread only queues.
   */
  public PolicyFeed.Listener listener(Executor serial) {
    Objects.requireNonNull(serial, "serial");
    PolicyFollower follower = this;
    return new PolicyFeed.Listener() {
      @Override
      public void connected() {
        serial.execute(follower::connected);
      }

      @Override
      public void change(OutboxEntry entry) {
        serial.execute(() -> follower.change(entry));
      }

      @Override
      public void rejected(String reason) {
        follower.rejected(reason); // counting and logging never block
      }

      @Override
      public void disconnected(String reason) {
        follower.disconnected(reason);
      }
    };
  }

  /** Whether a policy (saved or fetched) is in force; until then everyone is refused. */
  public boolean hasPolicy() {
    return status.origin() != Origin.NONE;
  }

  public Status status() {
    return status;
  }

  /** The revision in force, 0 before any. */
  public long appliedRevision() {
    return status.revision();
  }

  /** Seconds since the last successful fetch or applied change; -1 before any. */
  public double ageSeconds() {
    Instant last = syncedAt;
    return last == null ? -1 : Math.max(0, clock.millis() - last.toEpochMilli()) / 1000.0;
  }

  /** Snapshots fetched successfully (a 304 included). */
  public long resyncs() {
    return resyncs.get();
  }

  public long deltasApplied() {
    return deltasApplied.get();
  }

  /** Changes ignored because their revision was already applied. */
  public long duplicates() {
    return duplicates.get();
  }

  /** Messages the feed dropped as malformed, unsigned or unknown. */
  public long rejectedMessages() {
    return rejected.get();
  }

  private void synced() {
    syncedAt = clock.instant();
    publishStatus();
  }

  /**
   * Compiles and installs {@code next}; on success also saves it (unless it came from the store)
   * and has the registry re-check live tunnels.
   *
   * @return false when it does not compile (the last good policy stays)
   */
  private boolean install(PolicyRevision next, Origin from, boolean save) {
    PolicySnapshot compiled;
    try {
      compiled = PolicySnapshot.compile(next.toPolicy(), next.revision());
    } catch (IllegalArgumentException invalid) {
      observer.invalidPolicy(next.revision(), invalid.getMessage());
      return false;
    }
    active.replace(compiled);
    applied = next;
    digest = PolicyDigest.of(next);
    origin = from;
    publishStatus();
    if (save) {
      try {
        store.save(new PolicySnapshotStore.Saved(next, clock.instant()));
      } catch (RuntimeException notSaved) {
        observer.cacheProblem("cannot save the policy: " + notSaved.getMessage());
      }
    }
    int closed = connections.policyInstalled(compiled);
    observer.installed(next.revision(), digest, from, closed);
    return true;
  }

  private void publishStatus() {
    status =
        new Status(
            applied == null ? 0 : applied.revision(),
            Optional.ofNullable(digest),
            origin,
            Optional.ofNullable(syncedAt));
  }
}
