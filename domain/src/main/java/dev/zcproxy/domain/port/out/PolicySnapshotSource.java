package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.PolicyRevision;

/** Where a proxy loads the whole policy from: the state service's snapshot endpoint. */
public interface PolicySnapshotSource {

  /**
   * The whole policy at its current revision, read in one consistent view.
   *
   * @throws PolicySourceUnavailableException when the source cannot be reached or answered with an
   *     error; the caller keeps its current policy and tries again later
   */
  PolicyRevision fetch();
}
