package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.PolicyRevision;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a proxy keeps its last good policy, so that a restart serves at once, even while the state
 * service and the broker are down. The copy holds password hashes: the adapter keeps it readable by
 * the proxy's user only.
 */
public interface PolicySnapshotStore {

  /**
   * The policy last saved, if any.
   *
   * @throws IllegalStateException when a copy exists but cannot be read or is malformed, saying
   *     why; the caller goes on as if there were none
   */
  Optional<Saved> load();

  /**
   * Replaces the saved copy atomically: a crash leaves the old copy or the new one, never a mix.
   *
   * @throws IllegalStateException when it cannot be written, saying why
   */
  void save(Saved snapshot);

  /**
   * @param syncedAt when the proxy last confirmed this policy with its source
   */
  record Saved(PolicyRevision policy, Instant syncedAt) {
    public Saved {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(syncedAt, "syncedAt");
    }
  }
}
