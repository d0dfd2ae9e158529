package dev.zcproxy.outbound.wire;

import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicySigningKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** Encodes outbox entries as broker messages and signs them with the state service's key. */
public final class PolicyMessageSigner {

  private final PolicyMessageCodec codec = new PolicyMessageCodec();
  private final String keyId;
  private final PrivateKey privateKey;

  public PolicyMessageSigner(PolicySigningKey key) {
    this.keyId = key.keyId();
    try {
      this.privateKey =
          KeyFactory.getInstance(PolicySigningKey.ALGORITHM)
              .generatePrivate(new PKCS8EncodedKeySpec(key.privateKey()));
    } catch (GeneralSecurityException bad) {
      throw new IllegalArgumentException(
          "the signing key " + keyId + " is not an Ed25519 PKCS#8 key", bad);
    }
  }

  public SignedPolicyMessage sign(OutboxEntry entry) {
    byte[] body = codec.encode(entry);
    return new SignedPolicyMessage(
        entry.revision(), entry.change().kind(), body, keyId, signature(body));
  }

  /** The base64 Ed25519 signature of exactly these bytes. */
  public String signature(byte[] body) {
    try {
      // Signature objects are not thread-safe, and Ed25519 needs no per-key set-up worth caching.
      Signature signer = Signature.getInstance(PolicySigningKey.ALGORITHM);
      signer.initSign(privateKey);
      signer.update(body);
      return Base64.getEncoder().encodeToString(signer.sign());
    } catch (GeneralSecurityException impossible) {
      throw new IllegalStateException("Ed25519 signing failed", impossible);
    }
  }

  public String keyId() {
    return keyId;
  }
}
