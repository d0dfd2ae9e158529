package dev.zcproxy.outbound.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message ready for the broker: the body and the two properties that prove who wrote it.
 *
 * @param body the UTF-8 JSON of {@link PolicyMessageCodec}, sent byte for byte as signed
 * @param keyId for {@link PolicyMessageHeaders#KEY_ID}
 * @param signature for {@link PolicyMessageHeaders#SIGNATURE}: base64 of the Ed25519 signature
 */
public record SignedPolicyMessage(
    long revision, String kind, byte[] body, String keyId, String signature) {

  public SignedPolicyMessage {
    body = Objects.requireNonNull(body, "body").clone();
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(signature, "signature");
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SignedPolicyMessage that
        && revision == that.revision
        && Arrays.equals(body, that.body)
        && keyId.equals(that.keyId)
        && signature.equals(that.signature);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(revision);
  }

  @Override
  public String toString() {
    return "SignedPolicyMessage[revision=" + revision + ", kind=" + kind + ", keyId=" + keyId + "]";
  }
}
