package dev.zcproxy.domain.service;

import dev.zcproxy.domain.port.in.ReadPolicyVerificationKeyUseCase;
import dev.zcproxy.domain.port.out.PolicySigningKeyStore;
import dev.zcproxy.domain.state.PolicySigningKey;
import dev.zcproxy.domain.state.PolicyVerificationKey;
import java.util.Objects;

/**
 * The state service's signing key, loaded (or made, on the very first start) once at startup and
 * kept in memory: the key never changes while the service runs.
 */
public final class PolicySigningKeyService implements ReadPolicyVerificationKeyUseCase {

  private final PolicySigningKey key;

  private PolicySigningKeyService(PolicySigningKey key) {
    this.key = key;
  }

  /**
   * @throws dev.zcproxy.domain.port.out.StoreUnavailableException when the store cannot be reached
   */
  public static PolicySigningKeyService load(PolicySigningKeyStore store) {
    Objects.requireNonNull(store, "store");
    return new PolicySigningKeyService(store.loadOrCreate(PolicySigningKey::generate));
  }

  /** The whole key pair, for the message signer; never for an API. */
  public PolicySigningKey signingKey() {
    return key;
  }

  @Override
  public PolicyVerificationKey verificationKey() {
    return key.verificationKey();
  }
}
