package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.PolicyRevision;

/** The whole policy with the revision it is at, read in one consistent view. */
public interface ReadPolicySnapshotUseCase {

  PolicyRevision snapshot();
}
