package dev.zcproxy.outbound.stateclient;

import java.util.Objects;

/**
 * The public key the state service signs its broker messages with, as {@code GET
 * /api/v1/policy/signing-key} serves it; whoever verifies messages checks it.
 *
 * @param publicKey base64 of the X.509 SubjectPublicKeyInfo
 */
public record PublishedSigningKey(String algorithm, String keyId, String publicKey) {
  public PublishedSigningKey {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(publicKey, "publicKey");
  }
}
