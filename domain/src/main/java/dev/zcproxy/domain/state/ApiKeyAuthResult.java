package dev.zcproxy.domain.state;

import java.time.Duration;
import java.util.Objects;

/** The outcome of presenting an API key. */
public sealed interface ApiKeyAuthResult {

  record Authenticated(ApiKey key) implements ApiKeyAuthResult {
    public Authenticated {
      Objects.requireNonNull(key, "key");
    }
  }

  record Rejected(Reason reason) implements ApiKeyAuthResult {}

  /** Too many recent failures from this source; nothing was checked. */
  record Throttled(Duration retryAfter) implements ApiKeyAuthResult {}

  enum Reason {
    MALFORMED,
    UNKNOWN,
    WRONG_SECRET,
    EXPIRED,
    REVOKED
  }
}
