package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.PolicyVerificationKey;

/** The public key proxies check published policy changes with. */
public interface ReadPolicyVerificationKeyUseCase {

  PolicyVerificationKey verificationKey();
}
