package dev.zcproxy.domain.auth;

import dev.zcproxy.domain.model.PasswordHash;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Hashes and checks passwords with PBKDF2-HMAC-SHA256 from the JDK. A hash is stored as {@code
 * $pbkdf2-sha256$i=<iterations>$<salt>$<hash>}, salt and hash in standard Base64 without padding; a
 * 16-byte random salt and a 32-byte hash are written. The iteration count in a stored hash must be
 * 10,000-10,000,000; new hashes use 600,000 (OWASP's figure for PBKDF2-HMAC-SHA256) unless told
 * otherwise. Thread-safe.
 */
public final class Pbkdf2PasswordHasher {

  public static final int DEFAULT_ITERATIONS = 600_000;

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final String ALGORITHM = "PBKDF2WithHmacSHA256";

  private final int iterations;
  private final SecureRandom random = new SecureRandom();

  public Pbkdf2PasswordHasher() {
    this(DEFAULT_ITERATIONS);
  }

  /**
   * @param iterations for new hashes, 10,000-10,000,000; checks always use the stored count
   */
  public Pbkdf2PasswordHasher(int iterations) {
    this.iterations = Pbkdf2Hash.requireIterations(iterations);
  }

  /** The iteration count that {@link #hash} writes. */
  public int iterations() {
    return iterations;
  }

  /** A fresh salted hash of {@code password}, in the stored form. */
  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return new Pbkdf2Hash(iterations, salt, derive(password, salt, iterations, HASH_BYTES))
        .encode();
  }

  /**
   * Checks a password against a stored hash, comparing in constant time. Slow on purpose for PBKDF2
   * hashes; {@link PasswordVerifier} makes repeated checks cheap.
   *
   * @throws IllegalArgumentException when the stored hash is malformed
   */
  public boolean verify(PasswordHash stored, String password) {
    if (stored.isPlain()) {
      // Compare digests, not the strings: MessageDigest.isEqual may leak the length.
      String expected = stored.encoded().substring(PasswordHash.PLAIN_PREFIX.length());
      return MessageDigest.isEqual(sha256(expected), sha256(password));
    }
    Pbkdf2Hash parsed = Pbkdf2Hash.parse(stored.encoded());
    byte[] candidate = derive(password, parsed.salt(), parsed.iterations(), parsed.hash().length);
    return MessageDigest.isEqual(parsed.hash(), candidate);
  }

  /**
   * Checks the form of a stored hash without a password, so a policy loader can refuse a bad one at
   * load time rather than at the user's first login.
   *
   * @throws IllegalArgumentException saying what is wrong (never quoting the hash)
   */
  public static void requireWellFormed(PasswordHash stored) {
    if (!stored.isPlain()) {
      Pbkdf2Hash.parse(stored.encoded());
    }
  }

  private static byte[] derive(String password, byte[] salt, int iterations, int hashBytes) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, hashBytes * 8);
    try {
      return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException missing) {
      throw new IllegalStateException(ALGORITHM + " is part of every JDK", missing);
    } finally {
      spec.clearPassword();
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException("SHA-256 is part of every JDK", missing);
    }
  }
}
