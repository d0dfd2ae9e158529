package dev.zcproxy.domain.service;

import static dev.zcproxy.domain.fixtures.TestPolicies.allow;
import static dev.zcproxy.domain.fixtures.TestPolicies.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.policy.LiveTunnel;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.LiveTunnels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReauthorizeLiveTunnelsServiceTest {

  private record Tunnel(Principal principal, ConnectRequest request) implements LiveTunnel {}

  /** The front end's side, in memory: what is open, and what was cut at which revision. */
  private static class OpenTunnels implements LiveTunnels {
    final List<Tunnel> open = new ArrayList<>();
    final List<String> cuts = new ArrayList<>();

    @Override
    public Collection<? extends LiveTunnel> open() {
      return List.copyOf(open);
    }

    @Override
    public boolean cut(LiveTunnel tunnel, long revision, Decision.Deny denial) {
      if (!open.remove(tunnel)) {
        return false;
      }
      cuts.add(tunnel.request().host() + "@" + revision + ": " + denial.detail());
      return true;
    }
  }

  private static final Tunnel TO_EXAMPLE =
      new Tunnel(Principal.ANONYMOUS, tcp("example.com", "8.8.8.8", 443));
  private static final Tunnel TO_OTHER =
      new Tunnel(Principal.ANONYMOUS, tcp("other.org", "9.9.9.9", 443));

  private final OpenTunnels tunnels = new OpenTunnels();
  private final ReauthorizeLiveTunnelsService service = new ReauthorizeLiveTunnelsService(tunnels);

  private static PolicySnapshot policy(long revision, boolean anonymous, AclRule... rules) {
    return PolicySnapshot.compile(new Policy(anonymous, List.of(), List.of(rules)), revision);
  }

  @Test
  void a_new_policy_cuts_exactly_the_tunnels_it_refuses() {
    tunnels.open.addAll(List.of(TO_EXAMPLE, TO_OTHER));

    assertThat(service.policyInstalled(policy(2, true, allow("example.com")))).isOne();

    assertThat(tunnels.open).containsExactly(TO_EXAMPLE);
    assertThat(tunnels.cuts).containsExactly("other.org@2: no rule allows this destination");
  }

  @Test
  void the_principal_is_read_from_the_new_policy() {
    tunnels.open.add(TO_EXAMPLE);

    assertThat(service.policyInstalled(policy(3, false, allow("*")))).isOne();
    assertThat(tunnels.cuts).containsExactly("example.com@3: anonymous access is not allowed");
  }

  @Test
  void a_tunnel_opened_after_a_policy_is_checked_against_it() {
    service.tunnelOpened(TO_OTHER); // no policy installed yet: nothing to decide with
    assertThat(tunnels.cuts).isEmpty();

    service.policyInstalled(policy(4, true, allow("example.com")));
    tunnels.open.addAll(List.of(TO_EXAMPLE, TO_OTHER));
    service.tunnelOpened(TO_EXAMPLE);
    service.tunnelOpened(TO_OTHER);

    assertThat(tunnels.open).containsExactly(TO_EXAMPLE);
  }

  @Test
  void a_tunnel_that_closed_while_being_decided_is_not_counted() {
    var closing =
        new OpenTunnels() {
          @Override
          public boolean cut(LiveTunnel tunnel, long revision, Decision.Deny denial) {
            return false; // it closed on its own between open() and cut()
          }
        };
    closing.open.add(TO_OTHER);

    assertThat(new ReauthorizeLiveTunnelsService(closing).policyInstalled(policy(5, true)))
        .isZero();
  }
}
