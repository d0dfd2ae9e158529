package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;

/** Decides whether a principal may reach a resolved destination. Lock-free, allocation-light. */
public interface AuthorizeConnectionUseCase {

  Decision authorize(Principal principal, ConnectRequest request);
}
