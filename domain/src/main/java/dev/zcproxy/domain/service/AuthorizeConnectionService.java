package dev.zcproxy.domain.service;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.PolicySnapshot;
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

  private static final Decision INACTIVE_USER =
      new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "user is unknown or disabled");
  private static final Decision ANONYMOUS_OFF =
      new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "anonymous access is not allowed");

  private final ActivePolicy policy;

  public AuthorizeConnectionService(ActivePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  @Override
  public Decision authorize(Principal principal, ConnectRequest request) {
    return decide(policy.current(), principal, request);
  }

  /**
   * The decision of {@code snapshot} for a principal authenticated under some policy, maybe an
   * older one: what re-authorizing a live tunnel after a policy change asks.
   */
  public static Decision decide(
      PolicySnapshot snapshot, Principal principal, ConnectRequest request) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(request, "request");
    return switch (Objects.requireNonNull(principal, "principal")) {
      case Principal.Anonymous anonymous ->
          snapshot.anonymousAllowed() ? snapshot.decide(anonymous, request) : ANONYMOUS_OFF;
      case Principal.UserPrincipal user -> {
        User current = snapshot.user(user.name()).filter(User::enabled).orElse(null);
        yield current == null
            ? INACTIVE_USER
            : snapshot.decide(
                new Principal.UserPrincipal(current.name(), current.groups()), request);
      }
    };
  }
}
