package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.fixtures.TestPolicies.allow;
import static dev.zcproxy.domain.fixtures.TestPolicies.deny;
import static dev.zcproxy.domain.fixtures.TestPolicies.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.policy.ActivePolicy;
import dev.zcproxy.domain.policy.AddressChoice;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.policy.ResolvedDestination;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthorizeResolvedDestinationServiceTest {

  private static AuthorizeResolvedDestinationService service(AclRule... rules) {
    var snapshot = PolicySnapshot.compile(new Policy(true, List.of(), List.of(rules)), 1);
    return new AuthorizeResolvedDestinationService(
        new AuthorizeConnectionService(new ActivePolicy(snapshot)));
  }

  private static ResolvedDestination resolved(String host, String... addresses) {
    List<InetAddress> list = java.util.Arrays.stream(addresses).map(a -> ip(a)).toList();
    return new ResolvedDestination(host, list, 443, Protocol.TCP);
  }

  @Test
  void the_first_address_allowed_in_the_resolvers_order_is_the_one_to_connect_to() {
    var service = service(deny("192.0.2.0/24"), allow("*"));

    assertThat(
            service.authorize(
                Principal.ANONYMOUS, resolved("example.com", "192.0.2.1", "8.8.8.8", "9.9.9.9")))
        .isEqualTo(new AddressChoice.Allowed(ip("8.8.8.8"), 2));
  }

  @Test
  void when_no_address_is_allowed_the_first_denial_is_the_refusal() {
    var service = service(deny("8.8.8.8/32"), allow("example.com"));

    var choice =
        service.authorize(Principal.ANONYMOUS, resolved("example.com", "8.8.8.8", "10.0.0.1"));

    assertThat(choice).isInstanceOf(AddressChoice.Refused.class);
    assertThat(((AddressChoice.Refused) choice).denial().reason())
        .isEqualTo(Decision.Reason.DENIED_BY_RULE);
  }

  @Test
  void the_egress_guard_refuses_a_private_address_that_only_a_name_rule_matches() {
    var choice =
        service(allow("example.com"))
            .authorize(Principal.ANONYMOUS, resolved("example.com", "10.0.0.1"));

    assertThat(((AddressChoice.Refused) choice).denial().reason())
        .isEqualTo(Decision.Reason.EGRESS_GUARD);
  }

  @Test
  void an_invalid_name_a_rule_allows_has_no_address() {
    assertThat(service(allow("*.invalid")).authorize(Principal.ANONYMOUS, resolved("x.invalid")))
        .isEqualTo(new AddressChoice.NoAddress());
    assertThat(service(allow("*")).authorize(Principal.ANONYMOUS, resolved("x.invalid")))
        .isEqualTo(new AddressChoice.NoAddress());
  }

  @Test
  void an_invalid_name_the_policy_refuses_is_refused_not_merely_missing() {
    var denied =
        service(deny("*.invalid"), allow("*"))
            .authorize(Principal.ANONYMOUS, resolved("x.invalid"));
    var unmatched =
        service(allow("example.com")).authorize(Principal.ANONYMOUS, resolved("x.invalid"));

    assertThat(((AddressChoice.Refused) denied).denial().reason())
        .isEqualTo(Decision.Reason.DENIED_BY_RULE);
    assertThat(((AddressChoice.Refused) unmatched).denial().reason())
        .isEqualTo(Decision.Reason.NO_RULE_MATCHED);
  }

  @Test
  void a_destination_needs_a_name_or_an_address() {
    assertThatThrownBy(() -> new ResolvedDestination(null, List.of(), 443, Protocol.TCP))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
