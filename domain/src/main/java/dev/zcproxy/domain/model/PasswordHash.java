package dev.zcproxy.domain.model;

/**
 * A stored password, as it appears in a policy file or the database.
 *
 * <ul>
 *   <li>{@code {plain}secret}: development only; the proxy logs a warning for every such user.
 *   <li>{@code $pbkdf2-sha256$i=<iterations>$<salt b64>$<hash b64>}: PBKDF2-HMAC-SHA256, see {@code
 *       dev.zcproxy.domain.auth.Pbkdf2PasswordHasher}.
 * </ul>
 *
 * The encoded form is validated here; checking a password against it is the hasher's job.
 */
public record PasswordHash(String encoded) {

  public static final String PLAIN_PREFIX = "{plain}";
  public static final String PBKDF2_PREFIX = "$pbkdf2-sha256$";

  public PasswordHash {
    if (encoded == null || encoded.isEmpty()) {
      throw new IllegalArgumentException("password must not be empty");
    }
    if (!encoded.startsWith(PLAIN_PREFIX) && !encoded.startsWith(PBKDF2_PREFIX)) {
      throw new IllegalArgumentException(
          "password must be \"{plain}...\" (development only) or a \""
              + PBKDF2_PREFIX
              + "...\" hash (create one with: zcproxy-proxy.jar hash-password)");
    }
    if (encoded.equals(PLAIN_PREFIX)) {
      throw new IllegalArgumentException("a {plain} password must not be empty");
    }
  }

  public boolean isPlain() {
    return encoded.startsWith(PLAIN_PREFIX);
  }

  /** Never print the hash or the plain text. */
  @Override
  public String toString() {
    return isPlain() ? "PasswordHash[{plain}***]" : "PasswordHash[pbkdf2-sha256]";
  }
}
