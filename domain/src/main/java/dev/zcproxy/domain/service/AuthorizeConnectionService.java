package dev.zcproxy.domain.service;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;
import java.util.Objects;

/**
 * Authorizes connections against the policy in force, re-reading who the principal is in that
 * policy: a user removed or disabled by a reload, or an anonymous client after anonymous access was
 * turned off, is denied at once, and a user's groups are the current ones, not those of login time.
 * Such a denial is {@link Decision.Reason#NO_RULE_MATCHED} with rule number 0: no rule of the
 * current policy can apply to a principal it does not know.
 */
public final class AuthorizeConnectionService implements AuthorizeConnectionUseCase {

  private final ActivePolicy policy;

  public AuthorizeConnectionService(ActivePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  @Override
  public Decision authorize(Principal principal, ConnectRequest request) {
    return policy.current().authorize(principal, request);
  }
}
