package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.PolicyRevision;
import java.util.Optional;

/** Where a proxy loads the whole policy from: the state service's snapshot endpoint. */
public interface PolicySnapshotSource {

  /**
   * The whole policy at its current revision, read in one consistent view.
   *
   * @throws PolicySourceUnavailableException when the source cannot be reached or answered with an
   *     error; the caller keeps its current policy and tries again later
   */
  PolicyRevision fetch();

  /**
   * Like {@link #fetch()}, but empty when the source is still at {@code appliedRevision} (HTTP's
   * {@code If-None-Match}, answered 304): a cheap poll.
   *
   * @throws PolicySourceUnavailableException as {@link #fetch()}
   */
  default Optional<PolicyRevision> fetchIfChanged(long appliedRevision) {
    PolicyRevision current = fetch();
    return current.revision() == appliedRevision ? Optional.empty() : Optional.of(current);
  }
}
