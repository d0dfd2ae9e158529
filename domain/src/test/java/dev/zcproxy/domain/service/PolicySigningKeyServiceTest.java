package dev.zcproxy.domain.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.port.out.PolicySigningKeyStore;
import dev.zcproxy.domain.state.PolicySigningKey;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PolicySigningKeyServiceTest {

  /** Keeps the first key it is given, as the real store does. */
  private static final class OneKeyStore implements PolicySigningKeyStore {
    final AtomicReference<PolicySigningKey> key = new AtomicReference<>();

    @Override
    public PolicySigningKey loadOrCreate(java.util.function.Supplier<PolicySigningKey> generate) {
      key.compareAndSet(null, generate.get());
      return key.get();
    }
  }

  @Test
  void theFirstStartMakesAnEd25519KeyAndLaterStartsKeepIt() throws Exception {
    OneKeyStore store = new OneKeyStore();

    PolicySigningKeyService first = PolicySigningKeyService.load(store);
    PolicySigningKeyService second = PolicySigningKeyService.load(store);

    assertThat(second.signingKey()).isEqualTo(first.signingKey());
    var key = first.signingKey();
    assertThat(first.verificationKey().algorithm()).isEqualTo("Ed25519");
    assertThat(first.verificationKey().keyId()).hasSize(16).isEqualTo(key.keyId());
    byte[] body = "revision 1".getBytes();
    var signer = Signature.getInstance("Ed25519");
    signer.initSign(
        KeyFactory.getInstance("Ed25519")
            .generatePrivate(new PKCS8EncodedKeySpec(key.privateKey())));
    signer.update(body);
    byte[] signature = signer.sign();
    var verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(
        KeyFactory.getInstance("Ed25519")
            .generatePublic(new X509EncodedKeySpec(first.verificationKey().publicKey())));
    verifier.update(body);
    assertThat(verifier.verify(signature)).isTrue();
  }

  @Test
  void theKeyIdMustNameThePublicKeyAndThePrivateKeyIsNeverPrinted() {
    PolicySigningKey key = PolicySigningKey.generate();

    assertThat(key.toString()).doesNotContain(java.util.Arrays.toString(key.privateKey()));
    assertThat(key.toString()).isEqualTo("PolicySigningKey[keyId=" + key.keyId() + "]");
    assertThatThrownBy(
            () -> new PolicySigningKey("0000000000000000", key.publicKey(), key.privateKey()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
