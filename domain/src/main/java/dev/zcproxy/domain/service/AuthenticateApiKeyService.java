package dev.zcproxy.domain.service;

import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.port.in.AuthenticateApiKeyUseCase;
import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyAuthResult;
import dev.zcproxy.domain.state.ApiKeyAuthResult.Reason;
import dev.zcproxy.domain.state.ApiKeyToken;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Authenticates API keys against the store on every request: one indexed read by the key's public
 * id, then a constant-time comparison of SHA-256 digests. A 256-bit secret needs no slow hash:
 * nobody guesses it, so the digest only has to keep a stolen database from yielding usable keys.
 *
 * <p>Failures are counted per source address only. Key ids are public, so counting per key would
 * let anyone lock a known key out.
 */
public final class AuthenticateApiKeyService implements AuthenticateApiKeyUseCase {

  /** Compared against when the id is unknown, so that case costs what a wrong secret costs. */
  private static final String NO_SUCH_DIGEST = "0".repeat(64);

  private final UnitOfWork unitOfWork;
  private final ApiKeyRepository keys;
  private final AuthFailureThrottle throttle;
  private final Clock clock;

  public AuthenticateApiKeyService(
      UnitOfWork unitOfWork, ApiKeyRepository keys, AuthFailureThrottle throttle, Clock clock) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.throttle = Objects.requireNonNull(throttle, "throttle");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public ApiKeyAuthResult authenticate(String presentedKey, InetAddress source) {
    Objects.requireNonNull(source, "source");
    // The throttle counts per "user" and per source; both are the source here (see above).
    String sourceKey = "source " + source.getHostAddress();
    Optional<Duration> retryAfter = throttle.check(sourceKey, source);
    if (retryAfter.isPresent()) {
      return new ApiKeyAuthResult.Throttled(retryAfter.get());
    }
    ApiKeyAuthResult result = check(presentedKey);
    if (result instanceof ApiKeyAuthResult.Rejected) {
      throttle.recordFailure(sourceKey, source);
    }
    return result;
  }

  private ApiKeyAuthResult check(String presentedKey) {
    Optional<ApiKeyToken> parsed = ApiKeyToken.parse(presentedKey);
    if (parsed.isEmpty()) {
      return new ApiKeyAuthResult.Rejected(Reason.MALFORMED);
    }
    ApiKeyToken token = parsed.get();
    Optional<ApiKey> stored = unitOfWork.read(() -> keys.find(token.id()));
    if (stored.isEmpty()) {
      token.matches(NO_SUCH_DIGEST);
      return new ApiKeyAuthResult.Rejected(Reason.UNKNOWN);
    }
    ApiKey key = stored.get();
    if (!token.matches(key.secretDigest())) {
      return new ApiKeyAuthResult.Rejected(Reason.WRONG_SECRET);
    }
    Instant now = clock.instant();
    if (key.isRevoked(now)) {
      return new ApiKeyAuthResult.Rejected(Reason.REVOKED);
    }
    if (key.isExpired(now)) {
      return new ApiKeyAuthResult.Rejected(Reason.EXPIRED);
    }
    return new ApiKeyAuthResult.Authenticated(key);
  }
}
