package dev.zcproxy.domain.auth;

import java.time.Duration;

/** The outcome of an authentication attempt. Failures are values, not exceptions. */
public sealed interface AuthResult {

  record Authenticated(Principal principal) implements AuthResult {}

  record Rejected(Reason reason) implements AuthResult {}

  /** Too many recent failures for this user or source; nothing was checked. */
  record Throttled(Duration retryAfter) implements AuthResult {}

  enum Reason {
    UNKNOWN_USER,
    BAD_PASSWORD,
    USER_DISABLED,
    ANONYMOUS_NOT_ALLOWED,
    /** A Kerberos principal of a realm the proxy does not accept, or Kerberos is not set up. */
    FOREIGN_REALM
  }
}
