package dev.zcproxy.domain.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An API key as a client holds it: {@code zcp_<id>_<secret>}, with a 12-hex-digit public id (48
 * random bits, unique among keys, used to find the stored key) and a 64-hex-digit secret (256
 * random bits). Only {@link #digest()}, the SHA-256 of the whole string, is ever stored. The fixed
 * {@code zcp_} prefix lets secret scanners recognise leaked keys.
 */
public final class ApiKeyToken {

  public static final String PREFIX = "zcp_";
  static final int ID_HEX_DIGITS = 12;
  static final int SECRET_BYTES = 32;

  private static final Pattern FORM =
      Pattern.compile("zcp_([0-9a-f]{" + ID_HEX_DIGITS + "})_[0-9a-f]{" + SECRET_BYTES * 2 + "}");
  private static final Pattern ID = Pattern.compile("[0-9a-f]{" + ID_HEX_DIGITS + "}");
  private static final HexFormat HEX = HexFormat.of();

  private final String token;
  private final String id;

  private ApiKeyToken(String token, String id) {
    this.token = token;
    this.id = id;
  }

  /** A fresh key from {@code random}. */
  public static ApiKeyToken generate(SecureRandom random) {
    byte[] id = new byte[ID_HEX_DIGITS / 2];
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(id);
    random.nextBytes(secret);
    String idHex = HEX.formatHex(id);
    return new ApiKeyToken(PREFIX + idHex + "_" + HEX.formatHex(secret), idHex);
  }

  /** Reads a presented key; empty when it is not of the key's form (nothing else is checked). */
  public static Optional<ApiKeyToken> parse(String presented) {
    if (presented == null || presented.length() > 100) {
      return Optional.empty();
    }
    Matcher matcher = FORM.matcher(presented);
    return matcher.matches()
        ? Optional.of(new ApiKeyToken(presented, matcher.group(1)))
        : Optional.empty();
  }

  /** A key id: 12 lowercase hex digits. */
  public static String requireId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "an API key id is " + ID_HEX_DIGITS + " lowercase hex digits");
    }
    return id;
  }

  public String id() {
    return id;
  }

  /** The whole key, to show once to whoever created it. */
  public String reveal() {
    return token;
  }

  /** Lowercase hex SHA-256 of the whole key: what is stored. */
  public String digest() {
    return sha256Hex(token);
  }

  /** Compares in constant time (for equal-length digests, which stored ones always are). */
  public boolean matches(String storedDigest) {
    return MessageDigest.isEqual(
        digest().getBytes(StandardCharsets.US_ASCII),
        storedDigest.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256Hex(String text) {
    try {
      return HEX.formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException("SHA-256 is part of every JDK", missing);
    }
  }

  /** Never print the secret. */
  @Override
  public String toString() {
    return PREFIX + id + "_***";
  }
}
