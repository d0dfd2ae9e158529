package dev.zcproxy.outbound.wire;

import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.domain.state.PolicyVerificationKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * Checks a received message against the state service's public key and decodes it: a proxy applies
 * only what {@link #verify} accepted. The signature is checked over the exact body bytes before the
 * body is parsed, so nothing of an unsigned message is ever interpreted.
 */
public final class PolicyMessageVerifier {

  /** What {@link #verify} made of a message. */
  public sealed interface Verdict {

    record Accepted(OutboxEntry entry) implements Verdict {
      public Accepted {
        Objects.requireNonNull(entry, "entry");
      }
    }

    /**
     * @param reason fit for a log line and {@code PolicyFeed.Listener#rejected}; never holds the
     *     body
     */
    record Rejected(String reason) implements Verdict {
      public Rejected {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  private final PolicyMessageCodec codec = new PolicyMessageCodec();
  private final String keyId;
  private final PublicKey publicKey;

  /**
   * @throws IllegalArgumentException when the key is not Ed25519, not an X.509 {@code
   *     SubjectPublicKeyInfo}, or its id does not name it
   */
  public PolicyMessageVerifier(PolicyVerificationKey key) {
    Objects.requireNonNull(key, "key");
    if (!PolicySigningKey.ALGORITHM.equals(key.algorithm())) {
      throw new IllegalArgumentException(
          "policy signing key algorithm " + key.algorithm() + ", expected Ed25519");
    }
    if (!key.keyId().equals(PolicySigningKey.keyIdOf(key.publicKey()))) {
      throw new IllegalArgumentException(
          "key id " + key.keyId() + " does not name the public key it came with");
    }
    this.keyId = key.keyId();
    try {
      this.publicKey =
          KeyFactory.getInstance(PolicySigningKey.ALGORITHM)
              .generatePublic(new X509EncodedKeySpec(key.publicKey()));
    } catch (GeneralSecurityException bad) {
      throw new IllegalArgumentException("not an Ed25519 SubjectPublicKeyInfo", bad);
    }
  }

  /**
   * The verifier for what {@code GET /api/v1/policy/signing-key} serves.
   *
   * @param publicKeyBase64 the {@code publicKey} field: base64 of the X.509 SubjectPublicKeyInfo
   * @throws IllegalArgumentException when any of them is wrong
   */
  public static PolicyMessageVerifier of(String algorithm, String keyId, String publicKeyBase64) {
    byte[] publicKey;
    try {
      publicKey = Base64.getDecoder().decode(Objects.requireNonNull(publicKeyBase64, "publicKey"));
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException("the public key is not base64", notBase64);
    }
    return new PolicyMessageVerifier(new PolicyVerificationKey(algorithm, keyId, publicKey));
  }

  /**
   * @param keyId the {@link PolicyMessageHeaders#KEY_ID} property; null when absent
   * @param signature the {@link PolicyMessageHeaders#SIGNATURE} property; null when absent
   */
  public Verdict verify(byte[] body, String keyId, String signature) {
    if (body == null) {
      return new Verdict.Rejected("a message without a body");
    }
    if (keyId == null || signature == null) {
      return new Verdict.Rejected("an unsigned message (no " + missing(keyId, signature) + ")");
    }
    if (!keyId.equals(this.keyId)) {
      return new Verdict.Rejected(
          "a message signed with key " + printable(keyId) + ", not the trusted key " + this.keyId);
    }
    byte[] signatureBytes;
    try {
      signatureBytes = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException notBase64) {
      return new Verdict.Rejected("a message whose signature is not base64");
    }
    if (!signatureChecks(body, signatureBytes)) {
      return new Verdict.Rejected("a message whose signature does not check (forged or altered)");
    }
    try {
      return new Verdict.Accepted(codec.decode(body));
    } catch (IllegalArgumentException malformed) {
      return new Verdict.Rejected("a signed but malformed message: " + malformed.getMessage());
    }
  }

  public String keyId() {
    return keyId;
  }

  private boolean signatureChecks(byte[] body, byte[] signatureBytes) {
    try {
      Signature verifier = Signature.getInstance(PolicySigningKey.ALGORITHM);
      verifier.initVerify(publicKey);
      verifier.update(body);
      return verifier.verify(signatureBytes);
    } catch (GeneralSecurityException wrongLength) {
      return false;
    }
  }

  private static String missing(String keyId, String signature) {
    if (keyId == null && signature == null) {
      return PolicyMessageHeaders.KEY_ID + " and " + PolicyMessageHeaders.SIGNATURE;
    }
    return keyId == null ? PolicyMessageHeaders.KEY_ID : PolicyMessageHeaders.SIGNATURE;
  }

  /** A key id from the wire, cut short and stripped of control characters for a log line. */
  private static String printable(String value) {
    String cut = value.length() > 32 ? value.substring(0, 32) + "..." : value;
    return "\"" + cut.replaceAll("\\p{Cntrl}", "?") + "\"";
  }
}
