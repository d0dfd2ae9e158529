package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.AddressChoice;
import dev.zcproxy.domain.policy.ResolvedDestination;

/**
 * Decides which of the addresses a destination resolved to a principal may reach, if any: the
 * address to connect to, the policy's refusal, or that there is nothing to connect to.
 */
public interface AuthorizeResolvedDestinationUseCase {

  AddressChoice authorize(Principal principal, ResolvedDestination destination);
}
