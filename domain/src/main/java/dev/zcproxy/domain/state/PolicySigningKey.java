package dev.zcproxy.domain.state;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The Ed25519 key pair the state service signs published policy changes with, so that a proxy
 * applies only changes that came from it: anyone who can reach the broker could otherwise publish.
 * Generated once and kept by the state service; proxies get the public half over the REST API.
 *
 * @param keyId names the key in every signed message: the first 8 bytes of the SHA-256 of {@code
 *     publicKey}, in hex
 * @param publicKey X.509 {@code SubjectPublicKeyInfo} (DER)
 * @param privateKey PKCS#8 (DER); never logged ({@link #toString} leaves it out)
 */
public record PolicySigningKey(String keyId, byte[] publicKey, byte[] privateKey) {

  public static final String ALGORITHM = "Ed25519";

  public PolicySigningKey {
    Objects.requireNonNull(keyId, "keyId");
    publicKey = Objects.requireNonNull(publicKey, "publicKey").clone();
    privateKey = Objects.requireNonNull(privateKey, "privateKey").clone();
    if (!keyId.equals(keyIdOf(publicKey))) {
      throw new IllegalArgumentException("keyId " + keyId + " does not name this public key");
    }
  }

  /** A fresh key pair from the JDK's Ed25519 provider. */
  public static PolicySigningKey generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      byte[] publicKey = pair.getPublic().getEncoded();
      return new PolicySigningKey(keyIdOf(publicKey), publicKey, pair.getPrivate().getEncoded());
    } catch (GeneralSecurityException missing) {
      throw new IllegalStateException("this JDK has no " + ALGORITHM + " key generator", missing);
    }
  }

  /** The key id of a public key: 16 hex digits of its SHA-256. */
  public static String keyIdOf(byte[] publicKey) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKey);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (GeneralSecurityException missing) {
      throw new IllegalStateException("this JDK has no SHA-256", missing);
    }
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] privateKey() {
    return privateKey.clone();
  }

  /** What may be shown to anyone: the algorithm, the id and the public key. */
  public PolicyVerificationKey verificationKey() {
    return new PolicyVerificationKey(ALGORITHM, keyId, publicKey);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PolicySigningKey that
        && keyId.equals(that.keyId)
        && Arrays.equals(publicKey, that.publicKey)
        && Arrays.equals(privateKey, that.privateKey);
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }

  @Override
  public String toString() {
    return "PolicySigningKey[keyId=" + keyId + "]";
  }
}
