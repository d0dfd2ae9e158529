package dev.zcproxy.domain.auth;

import dev.zcproxy.domain.model.PasswordHash;
import java.util.Base64;

/**
 * The parts of a {@code $pbkdf2-sha256$i=<iterations>$<salt>$<hash>} string, salt and hash in
 * standard Base64 without padding. Parsing says exactly what is wrong, and never quotes the salt or
 * hash back.
 */
record Pbkdf2Hash(int iterations, byte[] salt, byte[] hash) {

  static final int MIN_ITERATIONS = 10_000;

  /** Beyond this a single login would stall a thread for many seconds. */
  static final int MAX_ITERATIONS = 10_000_000;

  static final int MIN_SALT_BYTES = 8;
  static final int MAX_SALT_BYTES = 64;
  static final int MIN_HASH_BYTES = 16;
  static final int MAX_HASH_BYTES = 64;

  private static final String FORM = PasswordHash.PBKDF2_PREFIX + "i=<iterations>$<salt>$<hash>";
  private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

  static Pbkdf2Hash parse(String encoded) {
    if (!encoded.startsWith(PasswordHash.PBKDF2_PREFIX)) {
      throw malformed("it does not start with " + PasswordHash.PBKDF2_PREFIX);
    }
    String[] fields = encoded.substring(PasswordHash.PBKDF2_PREFIX.length()).split("\\$", -1);
    if (fields.length != 3) {
      throw malformed("it has " + fields.length + " fields after the prefix instead of 3");
    }
    int iterations = parseIterations(fields[0]);
    byte[] salt = decode(fields[1], "salt", MIN_SALT_BYTES, MAX_SALT_BYTES);
    byte[] hash = decode(fields[2], "hash", MIN_HASH_BYTES, MAX_HASH_BYTES);
    return new Pbkdf2Hash(iterations, salt, hash);
  }

  String encode() {
    return PasswordHash.PBKDF2_PREFIX
        + "i="
        + iterations
        + "$"
        + ENCODER.encodeToString(salt)
        + "$"
        + ENCODER.encodeToString(hash);
  }

  static int requireIterations(int iterations) {
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException(
          "PBKDF2 iterations must be "
              + MIN_ITERATIONS
              + "-"
              + MAX_ITERATIONS
              + ", got "
              + iterations);
    }
    return iterations;
  }

  private static int parseIterations(String field) {
    String digits = field.startsWith("i=") ? field.substring(2) : "";
    if (digits.isEmpty()
        || digits.length() > 9
        || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw malformed("the iteration field must be i=<number>");
    }
    try {
      return requireIterations(Integer.parseInt(digits));
    } catch (IllegalArgumentException outOfRange) {
      throw malformed(outOfRange.getMessage());
    }
  }

  private static byte[] decode(String field, String what, int minBytes, int maxBytes) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(field);
    } catch (IllegalArgumentException notBase64) {
      throw malformed("the " + what + " is not Base64");
    }
    if (bytes.length < minBytes || bytes.length > maxBytes) {
      throw malformed(
          "the " + what + " must be " + minBytes + "-" + maxBytes + " bytes, got " + bytes.length);
    }
    return bytes;
  }

  private static IllegalArgumentException malformed(String why) {
    return new IllegalArgumentException("malformed password hash (" + why + "); expected " + FORM);
  }
}
