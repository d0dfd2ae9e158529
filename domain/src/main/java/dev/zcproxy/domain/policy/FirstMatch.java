package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;

/**
 * One decision's search for the earliest rule that applies. The destination indexes offer it the
 * rules whose destination matched, as ascending lists of rule indexes; it checks the rest of each
 * rule's conditions and keeps the lowest index that passes, so each list is read only up to the
 * best rule found so far.
 */
final class FirstMatch {

  private final CompiledRule[] rules;
  private final Principal principal;
  private final int port;
  private final Protocol protocol;

  private int first;
  private boolean firstMatchedByAddress;

  FirstMatch(CompiledRule[] rules, Principal principal, int port, Protocol protocol) {
    this.rules = rules;
    this.principal = principal;
    this.port = port;
    this.protocol = protocol;
    this.first = rules.length;
  }

  /** Rules one of whose CIDR blocks contains the destination address. */
  void offerByAddress(int[] candidates) {
    offer(candidates, true);
  }

  /** Rules that matched by host name or by {@code *}. */
  void offerByName(int[] candidates) {
    offer(candidates, false);
  }

  private void offer(int[] candidates, boolean byAddress) {
    for (int index : candidates) {
      if (index > first) {
        return;
      }
      if (index == first) {
        firstMatchedByAddress |= byAddress;
        return;
      }
      if (rules[index].appliesTo(principal, port, protocol)) {
        first = index;
        firstMatchedByAddress = byAddress;
        return;
      }
    }
  }

  boolean found() {
    return first < rules.length;
  }

  CompiledRule rule() {
    return rules[first];
  }

  boolean matchedByAddress() {
    return firstMatchedByAddress;
  }
}
