package dev.zcproxy.domain.service;

import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.domain.auth.PasswordVerifier;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.in.AuthenticateClientUseCase;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Authenticates clients against the policy in force.
 *
 * <ul>
 *   <li>No credentials: admitted as {@link Principal#ANONYMOUS} only if the policy allows it.
 *   <li>User name and password: a throttled user name or source is refused before anything is
 *       checked. Unknown and disabled users cost as much as a first password check, so timing does
 *       not tell which users exist. Every failure counts against the name and the source; a success
 *       clears the name's count.
 *   <li>A Kerberos principal the front end verified: mapped to a policy user by the {@link
 *       KerberosPrincipalMapping} ({@code alice@REALM} is user {@code alice}), who must exist and
 *       be enabled. There is no secret to guess, so nothing is throttled or hashed.
 * </ul>
 */
public final class AuthenticateClientService implements AuthenticateClientUseCase {

  private static final AuthResult ANONYMOUS_ADMITTED =
      new AuthResult.Authenticated(Principal.ANONYMOUS);
  private static final AuthResult ANONYMOUS_REFUSED =
      new AuthResult.Rejected(AuthResult.Reason.ANONYMOUS_NOT_ALLOWED);

  private final ActivePolicy policy;
  private final PasswordVerifier verifier;
  private final AuthFailureThrottle throttle;
  private final KerberosPrincipalMapping kerberos;

  /** A service that refuses every Kerberos principal. */
  public AuthenticateClientService(
      ActivePolicy policy, PasswordVerifier verifier, AuthFailureThrottle throttle) {
    this(policy, verifier, throttle, KerberosPrincipalMapping.NONE);
  }

  public AuthenticateClientService(
      ActivePolicy policy,
      PasswordVerifier verifier,
      AuthFailureThrottle throttle,
      KerberosPrincipalMapping kerberos) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.throttle = Objects.requireNonNull(throttle, "throttle");
    this.kerberos = Objects.requireNonNull(kerberos, "kerberos");
  }

  @Override
  public AuthResult authenticate(AuthenticateCommand command) {
    PolicySnapshot snapshot = policy.current();
    return switch (command.credentials()) {
      case Credentials.None _ ->
          snapshot.anonymousAllowed() ? ANONYMOUS_ADMITTED : ANONYMOUS_REFUSED;
      case Credentials.UsernamePassword(String name, String password) ->
          authenticate(snapshot, name, password, command.source());
      case Credentials.KerberosPrincipal(String name) -> authenticateKerberos(snapshot, name);
    };
  }

  private AuthResult authenticateKerberos(PolicySnapshot snapshot, String principal) {
    return switch (kerberos.map(principal)) {
      case KerberosPrincipalMapping.Mapped.ForeignRealm _ ->
          new AuthResult.Rejected(AuthResult.Reason.FOREIGN_REALM);
      case KerberosPrincipalMapping.Mapped.NoSuchUser _ ->
          new AuthResult.Rejected(AuthResult.Reason.UNKNOWN_USER);
      case KerberosPrincipalMapping.Mapped.PolicyUser(String name) -> {
        Optional<User> known = snapshot.user(name);
        if (known.isEmpty()) {
          yield new AuthResult.Rejected(AuthResult.Reason.UNKNOWN_USER);
        }
        if (!known.get().enabled()) {
          yield new AuthResult.Rejected(AuthResult.Reason.USER_DISABLED);
        }
        yield new AuthResult.Authenticated(new Principal.UserPrincipal(name, known.get().groups()));
      }
    };
  }

  @Override
  public boolean anonymousAllowed() {
    return policy.current().anonymousAllowed();
  }

  private AuthResult authenticate(
      PolicySnapshot snapshot, String name, String password, InetAddress source) {
    Optional<Duration> retryAfter = throttle.check(name, source);
    if (retryAfter.isPresent()) {
      return new AuthResult.Throttled(retryAfter.get());
    }
    Optional<User> known = snapshot.user(name);
    if (known.isEmpty() || !known.get().enabled()) {
      verifier.verifyAgainstDummy(password);
      throttle.recordFailure(name, source);
      return new AuthResult.Rejected(
          known.isEmpty() ? AuthResult.Reason.UNKNOWN_USER : AuthResult.Reason.USER_DISABLED);
    }
    User user = known.get();
    if (!verifier.verify(name, user.password(), password)) {
      throttle.recordFailure(name, source);
      return new AuthResult.Rejected(AuthResult.Reason.BAD_PASSWORD);
    }
    throttle.recordSuccess(name);
    return new AuthResult.Authenticated(new Principal.UserPrincipal(name, user.groups()));
  }
}
