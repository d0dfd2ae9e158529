package dev.zcproxy.domain.state;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An API key as stored: never the key itself, only the SHA-256 of it.
 *
 * @param id the key's public part (see {@link ApiKeyToken}): safe to show, log and put in URLs
 * @param name what the operator calls it ("ci", "proxy-eu-1")
 * @param secretDigest lowercase hex SHA-256 of the whole key string
 * @param createdBy the actor that created it
 */
public record ApiKey(
    String id,
    String name,
    ApiKeyScope scope,
    String secretDigest,
    Instant createdAt,
    Optional<Instant> expiresAt,
    Optional<Instant> revokedAt,
    String createdBy) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

  public ApiKey {
    ApiKeyToken.requireId(id);
    requireName(name);
    Objects.requireNonNull(scope, "scope");
    if (secretDigest == null || !DIGEST.matcher(secretDigest).matches()) {
      throw new IllegalArgumentException("secretDigest must be 64 lowercase hex digits");
    }
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
    Objects.requireNonNull(createdBy, "createdBy");
  }

  /** Key names: 1 to 64 of {@code A-Z a-z 0-9 . _ @ -}. */
  public static String requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "API key name must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
    }
    return name;
  }

  public boolean isRevoked(Instant now) {
    return revokedAt.isPresent() && !revokedAt.get().isAfter(now);
  }

  public boolean isExpired(Instant now) {
    return expiresAt.isPresent() && !expiresAt.get().isAfter(now);
  }

  public ApiKey revoked(Instant at) {
    return new ApiKey(
        id, name, scope, secretDigest, createdAt, expiresAt, Optional.of(at), createdBy);
  }

  /** Never print the digest. */
  @Override
  public String toString() {
    return "ApiKey[id=" + id + ", name=" + name + ", scope=" + scope.wireName() + "]";
  }
}
