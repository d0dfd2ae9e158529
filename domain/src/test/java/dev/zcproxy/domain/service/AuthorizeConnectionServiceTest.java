package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.fixtures.TestPolicies.allow;
import static dev.zcproxy.domain.fixtures.TestPolicies.rule;
import static dev.zcproxy.domain.fixtures.TestPolicies.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.PolicySnapshot;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizeConnectionServiceTest {

  private static final PasswordHash PASSWORD = new PasswordHash("{plain}pw");
  private static final AclRule OPS_ONLY = rule(Action.ALLOW, Set.of(), Set.of("ops"), "*");
  private static final ConnectRequest PUBLIC = tcp("example.com", "8.8.8.8", 443);
  private static final Principal ALICE = new Principal.UserPrincipal("alice", Set.of("ops"));

  private static PolicySnapshot snapshot(
      boolean anonymous, long revision, List<User> users, AclRule... rules) {
    return PolicySnapshot.compile(new Policy(anonymous, users, List.of(rules)), revision);
  }

  private static User alice(Set<String> groups, boolean enabled) {
    return new User("alice", PASSWORD, groups, enabled);
  }

  private final ActivePolicy policy =
      new ActivePolicy(
          snapshot(true, 1, List.of(alice(Set.of("ops"), true)), OPS_ONLY, allow("example.com")));
  private final AuthorizeConnectionService service = new AuthorizeConnectionService(policy);

  @Test
  void decides_with_the_current_snapshot() {
    assertThat(service.authorize(ALICE, PUBLIC)).isEqualTo(new Decision.Allow(1));
    assertThat(service.authorize(Principal.ANONYMOUS, PUBLIC)).isEqualTo(new Decision.Allow(2));
  }

  @Test
  void denies_a_user_that_a_reload_removed_or_disabled() {
    var inactive =
        new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "user is unknown or disabled");

    policy.replace(snapshot(true, 2, List.of(), allow("*")));
    assertThat(service.authorize(ALICE, PUBLIC)).isEqualTo(inactive);

    policy.replace(snapshot(true, 3, List.of(alice(Set.of("ops"), false)), allow("*")));
    assertThat(service.authorize(ALICE, PUBLIC)).isEqualTo(inactive);
  }

  @Test
  void uses_the_users_current_groups_not_those_of_login_time() {
    policy.replace(snapshot(false, 2, List.of(alice(Set.of(), true)), OPS_ONLY));

    assertThat(service.authorize(ALICE, PUBLIC))
        .isEqualTo(
            new Decision.Deny(
                Decision.Reason.NO_RULE_MATCHED, 0, "no rule allows this destination"));
  }

  @Test
  void denies_anonymous_clients_once_anonymous_access_is_turned_off() {
    policy.replace(snapshot(false, 2, List.of(), allow("*")));

    assertThat(service.authorize(Principal.ANONYMOUS, PUBLIC))
        .isEqualTo(
            new Decision.Deny(
                Decision.Reason.NO_RULE_MATCHED, 0, "anonymous access is not allowed"));
  }
}
