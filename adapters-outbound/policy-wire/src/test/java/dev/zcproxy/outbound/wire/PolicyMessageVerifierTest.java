package dev.zcproxy.outbound.wire;

import static dev.zcproxy.domain.contract.StateFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier.Verdict;
import dev.zcproxy.outbound.wire.TestMessages.RawMessage;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PolicyMessageVerifierTest {

  private final PolicySigningKey key = PolicySigningKey.generate();
  private final PolicyMessageSigner signer = new PolicyMessageSigner(key);
  private final PolicyMessageVerifier verifier = new PolicyMessageVerifier(key.verificationKey());
  private final TestMessages messages = new TestMessages(key);
  private final OutboxEntry entry =
      new OutboxEntry(2, 1, new PolicyChange.SettingsChanged(true), T0);

  @Test
  void aMessageSignedByTheStateServiceIsAccepted() {
    SignedPolicyMessage message = signer.sign(entry);

    assertThat(verifier.verify(message.body(), message.keyId(), message.signature()))
        .isEqualTo(new Verdict.Accepted(entry));
    assertThat(message.keyId()).isEqualTo(key.keyId());
  }

  @Test
  void theVerifierCanBeBuiltFromWhatTheRestApiServes() {
    var served = key.verificationKey();
    PolicyMessageVerifier fromRest =
        PolicyMessageVerifier.of(served.algorithm(), served.keyId(), served.publicKeyBase64());
    SignedPolicyMessage message = signer.sign(entry);

    assertThat(fromRest.verify(message.body(), message.keyId(), message.signature()))
        .isInstanceOf(Verdict.Accepted.class);
  }

  @Test
  void aChangedByteBreaksTheSignature() {
    SignedPolicyMessage message = signer.sign(entry);
    byte[] altered = message.body();
    altered[altered.length - 3] ^= 1;

    assertThat(verifier.verify(altered, message.keyId(), message.signature()))
        .isEqualTo(
            new Verdict.Rejected("a message whose signature does not check (forged or altered)"));
  }

  @Test
  void everyKindOfBadMessageIsRejectedWithItsOwnReason() {
    assertThat(reason(messages.forged(entry))).contains("does not check");
    assertThat(reason(messages.signedByUnknownKey(entry))).contains("not the trusted key");
    assertThat(reason(messages.unsigned(entry))).contains("unsigned");
    assertThat(reason(messages.malformed(3))).contains("malformed").contains("not JSON");
    assertThat(reason(messages.unknownKind(3, 2))).contains("unknown change kind");
    assertThat(verifier.verify(signer.sign(entry).body(), key.keyId(), "***"))
        .isEqualTo(new Verdict.Rejected("a message whose signature is not base64"));
    assertThat(verifier.verify(signer.sign(entry).body(), key.keyId(), null))
        .isEqualTo(new Verdict.Rejected("an unsigned message (no zcproxySignature)"));
    assertThat(verifier.verify(null, key.keyId(), "x"))
        .isEqualTo(new Verdict.Rejected("a message without a body"));
  }

  @Test
  void aKeyIdFromTheWireIsCutAndCleanedForTheLog() {
    String reason =
        ((Verdict.Rejected) verifier.verify(new byte[1], "evil\nline" + "x".repeat(100), "AA=="))
            .reason();

    assertThat(reason).doesNotContain("\n").contains("evil?line").hasSizeLessThan(120);
  }

  @Test
  void aWrongPublicKeyIsRefusedAtOnce() {
    String otherKey = PolicySigningKey.generate().verificationKey().publicKeyBase64();
    assertThatThrownBy(() -> PolicyMessageVerifier.of("Ed25519", key.keyId(), otherKey))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not name");
    assertThatThrownBy(() -> PolicyMessageVerifier.of("RSA", key.keyId(), otherKey))
        .hasMessageContaining("Ed25519");
    assertThatThrownBy(() -> PolicyMessageVerifier.of("Ed25519", key.keyId(), "%%%"))
        .hasMessageContaining("base64");
    String notAKey = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
    assertThatThrownBy(
            () ->
                PolicyMessageVerifier.of(
                    "Ed25519", PolicySigningKey.keyIdOf(new byte[] {1, 2, 3}), notAKey))
        .hasMessageContaining("SubjectPublicKeyInfo");
  }

  private String reason(RawMessage message) {
    Verdict verdict = verifier.verify(message.body(), message.keyId(), message.signature());
    assertThat(verdict).isInstanceOf(Verdict.Rejected.class);
    return ((Verdict.Rejected) verdict).reason();
  }
}
