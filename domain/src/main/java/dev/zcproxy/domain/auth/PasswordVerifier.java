package dev.zcproxy.domain.auth;

import dev.zcproxy.domain.model.PasswordHash;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks passwords at connection rate. The first successful check of a (user, stored hash) pair
 * runs the slow hash; it then remembers {@code HMAC-SHA256(processSecret, password)} under that
 * pair, and later checks compare that digest in constant time, which costs microseconds.
 *
 * <ul>
 *   <li>The secret is random per process and never leaves memory, so the remembered digests are
 *       useless to anyone who reads them elsewhere (a heap dump is another matter, as it is for the
 *       process itself).
 *   <li>The stored hash is part of the key: a changed password (a new hash) misses the cache.
 *   <li>Only passwords that passed the slow check are remembered; a wrong one never is.
 *   <li>At most {@code maxEntries} pairs are held; beyond that arbitrary ones are dropped and pay
 *       the slow check again next time.
 * </ul>
 *
 * Thread-safe and lock-free for readers.
 */
public final class PasswordVerifier {

  public static final int DEFAULT_MAX_ENTRIES = 100_000;

  private static final String MAC_ALGORITHM = "HmacSHA256";
  private static final int DUMMY_SALT_BYTES = 16;
  private static final int DUMMY_HASH_BYTES = 32;

  private record CacheKey(String user, String storedHash) {}

  private final Pbkdf2PasswordHasher hasher;
  private final int maxEntries;
  private final SecretKeySpec processSecret;
  private final PasswordHash dummy;
  private final ConcurrentHashMap<CacheKey, byte[]> verified = new ConcurrentHashMap<>();

  public PasswordVerifier(Pbkdf2PasswordHasher hasher) {
    this(hasher, DEFAULT_MAX_ENTRIES);
  }

  public PasswordVerifier(Pbkdf2PasswordHasher hasher, int maxEntries) {
    this.hasher = Objects.requireNonNull(hasher, "hasher");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
    SecureRandom random = new SecureRandom();
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    this.processSecret = new SecretKeySpec(secret, MAC_ALGORITHM);
    // Random salt and hash: well formed, as slow as a real hash, and matched by no password.
    byte[] salt = new byte[DUMMY_SALT_BYTES];
    byte[] hash = new byte[DUMMY_HASH_BYTES];
    random.nextBytes(salt);
    random.nextBytes(hash);
    this.dummy = new PasswordHash(new Pbkdf2Hash(hasher.iterations(), salt, hash).encode());
  }

  /**
   * @return whether {@code password} is the one {@code stored} was made from
   * @throws IllegalArgumentException when the stored hash is malformed
   */
  public boolean verify(String user, PasswordHash stored, String password) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(stored, "stored");
    Objects.requireNonNull(password, "password");
    if (stored.isPlain()) {
      return hasher.verify(stored, password); // already cheap: nothing to remember
    }
    CacheKey key = new CacheKey(user, stored.encoded());
    byte[] digest = keyedDigest(password);
    byte[] remembered = verified.get(key);
    if (remembered != null) {
      // Only the right password was ever remembered for this hash, so a mismatch is a wrong one.
      return MessageDigest.isEqual(remembered, digest);
    }
    if (!hasher.verify(stored, password)) {
      return false;
    }
    remember(key, digest);
    return true;
  }

  /**
   * Spends about as long as a first check of a real password, and learns nothing: for unknown or
   * disabled users, so that timing does not tell them apart from users with a wrong password.
   */
  public void verifyAgainstDummy(String password) {
    hasher.verify(dummy, Objects.requireNonNull(password, "password"));
  }

  /** How many verified pairs are remembered now. */
  int cachedEntries() {
    return verified.size();
  }

  private void remember(CacheKey key, byte[] digest) {
    if (verified.size() >= maxEntries) {
      Iterator<CacheKey> victims = verified.keySet().iterator();
      while (verified.size() >= maxEntries && victims.hasNext()) {
        victims.next();
        victims.remove();
      }
    }
    verified.put(key, digest);
  }

  private byte[] keyedDigest(String password) {
    try {
      Mac mac = Mac.getInstance(MAC_ALGORITHM);
      mac.init(processSecret);
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException missing) {
      throw new IllegalStateException(MAC_ALGORITHM + " is part of every JDK", missing);
    }
  }
}
