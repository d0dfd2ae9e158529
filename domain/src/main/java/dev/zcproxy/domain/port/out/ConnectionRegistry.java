package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.policy.PolicySnapshot;

/**
 * The proxy's live tunnels, as the front end registers them: each with the principal it acts for
 * and the connection request it was authorized for. When a new policy is installed, every live
 * tunnel is authorized again against it, and those it now refuses (a deleted or disabled user, a
 * revoked rule, anonymous access turned off) are closed: a revocation reaches open tunnels, not
 * only the next connection.
 */
public interface ConnectionRegistry {

  /**
   * {@code installed} is now in force: re-authorize every live tunnel against it and close the
   * refused ones. Thread-safe; returns without waiting for the closes to finish.
   *
   * @return how many tunnels were closed
   */
  int policyInstalled(PolicySnapshot installed);

  /** For a proxy that has no front end to cut (tests, tools). */
  ConnectionRegistry NONE = installed -> 0;
}
