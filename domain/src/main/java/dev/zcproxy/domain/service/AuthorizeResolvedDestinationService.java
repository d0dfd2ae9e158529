package dev.zcproxy.domain.service;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.AddressChoice;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.ResolvedDestination;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;
import dev.zcproxy.domain.port.in.AuthorizeResolvedDestinationUseCase;
import java.net.InetAddress;
import java.util.Objects;

/**
 * Puts each resolved address to the policy in the resolver's order; the first one allowed is the
 * one to connect to. When none is, the first denial is the refusal.
 *
 * <p>A name with no address (an RFC 6761 {@code .invalid} name) is still put to the policy, so that
 * a client the policy refuses learns that, as for any other name, rather than that the name does
 * not exist. With no address to decide on, the policy is asked about the unspecified address {@code
 * 0.0.0.0}, which no allow rule reaches by name or {@code *} (the egress guard stops it): an
 * egress-guard denial (or an allow) therefore means that a rule allows the name, and only a deny
 * rule or no rule at all is a refusal.
 */
public final class AuthorizeResolvedDestinationService
    implements AuthorizeResolvedDestinationUseCase {

  private static final InetAddress UNSPECIFIED = InetAddress.ofLiteral("0.0.0.0");

  private final AuthorizeConnectionUseCase authorization;

  public AuthorizeResolvedDestinationService(AuthorizeConnectionUseCase authorization) {
    this.authorization = Objects.requireNonNull(authorization, "authorization");
  }

  @Override
  public AddressChoice authorize(Principal principal, ResolvedDestination destination) {
    Objects.requireNonNull(principal, "principal");
    if (destination.addresses().isEmpty()) {
      return nameWithoutAddress(principal, destination);
    }
    Decision.Deny firstDenial = null;
    for (InetAddress address : destination.addresses()) {
      switch (authorization.authorize(principal, destination.request(address))) {
        case Decision.Allow allow -> {
          return new AddressChoice.Allowed(address, allow.ruleNumber());
        }
        case Decision.Deny deny -> {
          if (firstDenial == null) {
            firstDenial = deny;
          }
        }
      }
    }
    return new AddressChoice.Refused(firstDenial);
  }

  private AddressChoice nameWithoutAddress(Principal principal, ResolvedDestination destination) {
    Decision decision =
        authorization.authorize(
            principal,
            new ConnectRequest(
                destination.host(), UNSPECIFIED, destination.port(), destination.protocol()));
    if (decision instanceof Decision.Deny deny && deny.reason() != Decision.Reason.EGRESS_GUARD) {
      return new AddressChoice.Refused(deny);
    }
    return new AddressChoice.NoAddress();
  }
}
