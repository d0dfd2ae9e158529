package dev.zcproxy.domain.state;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The public half of the {@link PolicySigningKey}: what a proxy needs to check that a published
 * change came from the state service.
 *
 * @param publicKey X.509 {@code SubjectPublicKeyInfo} (DER)
 */
public record PolicyVerificationKey(String algorithm, String keyId, byte[] publicKey) {

  public PolicyVerificationKey {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keyId, "keyId");
    publicKey = Objects.requireNonNull(publicKey, "publicKey").clone();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The public key in base64, as the REST API serves it. */
  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(publicKey);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PolicyVerificationKey that
        && algorithm.equals(that.algorithm)
        && keyId.equals(that.keyId)
        && Arrays.equals(publicKey, that.publicKey);
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }

  @Override
  public String toString() {
    return "PolicyVerificationKey[" + algorithm + ", keyId=" + keyId + "]";
  }
}
