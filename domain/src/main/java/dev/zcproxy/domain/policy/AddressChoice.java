package dev.zcproxy.domain.policy;

import java.net.InetAddress;
import java.util.Objects;

/** What the policy makes of a {@link ResolvedDestination}. */
public sealed interface AddressChoice {

  /**
   * Connect to exactly this address, and to no other: the decision and the connection can never
   * disagree (no DNS rebinding).
   *
   * @param ruleNumber the 1-based position of the rule that allowed it
   */
  record Allowed(InetAddress address, int ruleNumber) implements AddressChoice {
    public Allowed {
      Objects.requireNonNull(address, "address");
    }
  }

  /** The policy refuses the destination: the first denial, in the resolver's order. */
  record Refused(Decision.Deny denial) implements AddressChoice {
    public Refused {
      Objects.requireNonNull(denial, "denial");
    }
  }

  /** The policy would not refuse the name, but it has no address to connect to. */
  record NoAddress() implements AddressChoice {}
}
