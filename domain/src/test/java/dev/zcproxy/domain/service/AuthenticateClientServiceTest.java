package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.fixtures.TestPolicies.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.domain.auth.PasswordVerifier;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.PolicySnapshot;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthenticateClientServiceTest {

  private static final Pbkdf2PasswordHasher HASHER = new Pbkdf2PasswordHasher(10_000);
  private static final User ALICE =
      new User("alice", new PasswordHash(HASHER.hash("alice-pw")), Set.of("ops"), true);
  private static final User BOB =
      new User("bob", new PasswordHash("{plain}bob-pw"), Set.of(), false);
  private static final InetAddress CLIENT = ip("198.51.100.7");

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final ActivePolicy policy = new ActivePolicy(snapshot(false, 1, ALICE, BOB));
  private final AuthenticateClientService service =
      new AuthenticateClientService(
          policy, new PasswordVerifier(HASHER), new AuthFailureThrottle(clock));

  private static PolicySnapshot snapshot(boolean anonymous, long revision, User... users) {
    return PolicySnapshot.compile(new Policy(anonymous, List.of(users), List.of()), revision);
  }

  private AuthResult login(String user, String password, InetAddress source) {
    return service.authenticate(
        new AuthenticateCommand(new Credentials.UsernamePassword(user, password), source));
  }

  private AuthResult login(String user, String password) {
    return login(user, password, CLIENT);
  }

  private static AuthResult rejected(AuthResult.Reason reason) {
    return new AuthResult.Rejected(reason);
  }

  @Test
  void admits_a_user_with_the_right_password_and_their_groups() {
    assertThat(login("alice", "alice-pw"))
        .isEqualTo(
            new AuthResult.Authenticated(new Principal.UserPrincipal("alice", Set.of("ops"))));
    assertThat(login("alice", "alice-pw")).isInstanceOf(AuthResult.Authenticated.class);
  }

  @Test
  void maps_a_verified_kerberos_principal_of_the_realm_to_its_policy_user() {
    var kerberized =
        new AuthenticateClientService(
            policy,
            new PasswordVerifier(HASHER),
            new AuthFailureThrottle(clock),
            KerberosPrincipalMapping.forRealm("ZCPROXY.TEST"));

    assertThat(kerberos(kerberized, "alice@ZCPROXY.TEST"))
        .isEqualTo(
            new AuthResult.Authenticated(new Principal.UserPrincipal("alice", Set.of("ops"))));
    assertThat(kerberos(kerberized, "alice@OTHER.TEST"))
        .isEqualTo(rejected(AuthResult.Reason.FOREIGN_REALM));
    assertThat(kerberos(kerberized, "nobody@ZCPROXY.TEST"))
        .isEqualTo(rejected(AuthResult.Reason.UNKNOWN_USER));
    assertThat(kerberos(kerberized, "alice/admin@ZCPROXY.TEST"))
        .isEqualTo(rejected(AuthResult.Reason.UNKNOWN_USER));
    assertThat(kerberos(kerberized, "bob@ZCPROXY.TEST"))
        .isEqualTo(rejected(AuthResult.Reason.USER_DISABLED));
    // without a realm configured no principal gets in
    assertThat(kerberos(service, "alice@ZCPROXY.TEST"))
        .isEqualTo(rejected(AuthResult.Reason.FOREIGN_REALM));
  }

  private static AuthResult kerberos(AuthenticateClientService service, String principal) {
    return service.authenticate(
        new AuthenticateCommand(new Credentials.KerberosPrincipal(principal), CLIENT));
  }

  @Test
  void rejects_a_wrong_password_an_unknown_user_and_a_disabled_one() {
    assertThat(login("alice", "guess")).isEqualTo(rejected(AuthResult.Reason.BAD_PASSWORD));
    assertThat(login("nobody", "x")).isEqualTo(rejected(AuthResult.Reason.UNKNOWN_USER));
    assertThat(login("bob", "bob-pw")).isEqualTo(rejected(AuthResult.Reason.USER_DISABLED));
  }

  @Test
  void admits_anonymous_clients_only_when_the_policy_allows_it() {
    var anonymous = new AuthenticateCommand(Credentials.NONE, CLIENT);

    assertThat(service.anonymousAllowed()).isFalse();
    assertThat(service.authenticate(anonymous))
        .isEqualTo(rejected(AuthResult.Reason.ANONYMOUS_NOT_ALLOWED));

    policy.replace(snapshot(true, 2, ALICE));

    assertThat(service.anonymousAllowed()).isTrue();
    assertThat(service.authenticate(anonymous))
        .isEqualTo(new AuthResult.Authenticated(Principal.ANONYMOUS));
  }

  @Test
  void throttles_after_five_failures_even_the_right_password() {
    for (int i = 0; i < 5; i++) {
      assertThat(login("alice", "guess" + i, ip("192.0.2." + i)))
          .isEqualTo(rejected(AuthResult.Reason.BAD_PASSWORD));
    }

    assertThat(login("alice", "alice-pw"))
        .isEqualTo(new AuthResult.Throttled(Duration.ofSeconds(60)));
    clock.advance(Duration.ofSeconds(60));
    assertThat(login("alice", "alice-pw")).isInstanceOf(AuthResult.Authenticated.class);
  }

  @Test
  void unknown_and_disabled_users_count_against_the_source() {
    login("nobody", "x");
    login("nobody2", "x");
    login("bob", "bob-pw");
    login("bob", "bob-pw");
    login("nobody", "x");

    assertThat(login("alice", "alice-pw")).isInstanceOf(AuthResult.Throttled.class);
    assertThat(login("alice", "alice-pw", ip("203.0.113.9")))
        .isInstanceOf(AuthResult.Authenticated.class);
  }

  @Test
  void unknown_user_names_are_counted_too() {
    for (int i = 0; i < 5; i++) {
      login("ghost", "x", ip("192.0.2." + i));
    }

    assertThat(login("ghost", "x", ip("203.0.113.9"))).isInstanceOf(AuthResult.Throttled.class);
  }

  @Test
  void a_success_clears_the_users_failures() {
    for (int i = 0; i < 4; i++) {
      login("alice", "guess", ip("192.0.2." + i));
    }
    login("alice", "alice-pw", ip("192.0.2.100"));
    for (int i = 4; i < 8; i++) {
      login("alice", "guess", ip("192.0.2." + i));
    }

    assertThat(login("alice", "alice-pw", ip("192.0.2.200")))
        .isInstanceOf(AuthResult.Authenticated.class);
  }

  @Test
  void follows_a_reload_that_removes_or_changes_a_user() {
    assertThat(login("alice", "alice-pw")).isInstanceOf(AuthResult.Authenticated.class);

    var renewed = new User("alice", new PasswordHash(HASHER.hash("new-pw")), Set.of(), true);
    policy.replace(snapshot(false, 2, renewed));
    assertThat(login("alice", "alice-pw")).isEqualTo(rejected(AuthResult.Reason.BAD_PASSWORD));
    assertThat(login("alice", "new-pw"))
        .isEqualTo(new AuthResult.Authenticated(new Principal.UserPrincipal("alice", Set.of())));

    policy.replace(snapshot(false, 3));
    assertThat(login("alice", "new-pw")).isEqualTo(rejected(AuthResult.Reason.UNKNOWN_USER));
  }
}
