package dev.zcproxy.domain.policy;

import static dev.zcproxy.domain.fixtures.TestPolicies.allow;
import static dev.zcproxy.domain.fixtures.TestPolicies.deny;
import static dev.zcproxy.domain.fixtures.TestPolicies.ip;
import static dev.zcproxy.domain.fixtures.TestPolicies.rule;
import static dev.zcproxy.domain.fixtures.TestPolicies.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import java.net.Inet6Address;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PolicySnapshotTest {

  private static final Principal ALICE = new Principal.UserPrincipal("alice", Set.of("ops"));
  private static final Principal ANONYMOUS = Principal.ANONYMOUS;

  private static PolicySnapshot snapshot(AclRule... rules) {
    return PolicySnapshot.compile(new Policy(true, List.of(), List.of(rules)), 1);
  }

  private static Decision allowed(int rule) {
    return new Decision.Allow(rule);
  }

  private static Decision deniedBy(int rule) {
    return new Decision.Deny(Decision.Reason.DENIED_BY_RULE, rule, "denied by rule " + rule);
  }

  private static Decision guarded(int rule) {
    return new Decision.Deny(
        Decision.Reason.EGRESS_GUARD,
        rule,
        "rule " + rule + " does not name this non-public address");
  }

  private static final Decision NO_MATCH =
      new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "no rule allows this destination");

  @Test
  void denies_by_default() {
    assertThat(snapshot().decide(ALICE, tcp("example.com", "93.184.215.14", 443)))
        .isEqualTo(NO_MATCH);
    assertThat(snapshot(allow("example.org")).decide(ALICE, tcp("example.com", "8.8.8.8", 443)))
        .isEqualTo(NO_MATCH);
  }

  @Test
  void the_first_matching_rule_wins() {
    var snapshot = snapshot(deny("*.example.com"), allow("*"), deny("*"));

    assertThat(snapshot.decide(ALICE, tcp("www.example.com", "8.8.8.8", 443)))
        .isEqualTo(deniedBy(1));
    assertThat(snapshot.decide(ALICE, tcp("example.org", "8.8.8.8", 443))).isEqualTo(allowed(2));
    assertThat(snapshot.decide(ALICE, tcp("8.8.4.4", 443))).isEqualTo(allowed(2));
  }

  @Nested
  class Host_names {

    @Test
    void an_exact_name_matches_only_itself_in_any_case_with_or_without_the_root_dot() {
      var snapshot = snapshot(allow("api.example.com"));

      assertThat(snapshot.decide(ALICE, tcp("api.example.com", "8.8.8.8", 443)))
          .isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("API.Example.COM.", "8.8.8.8", 443)))
          .isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("x.api.example.com", "8.8.8.8", 443)))
          .isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, tcp("example.com", "8.8.8.8", 443))).isEqualTo(NO_MATCH);
    }

    @Test
    void a_suffix_matches_every_subdomain_but_not_the_apex() {
      var snapshot = snapshot(allow("*.example.com"));

      assertThat(snapshot.decide(ALICE, tcp("a.example.com", "8.8.8.8", 80))).isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("a.b.example.com", "8.8.8.8", 80)))
          .isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("example.com", "8.8.8.8", 80))).isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, tcp("badexample.com", "8.8.8.8", 80))).isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, tcp(".example.com", "8.8.8.8", 80))).isEqualTo(NO_MATCH);
    }

    @Test
    void a_client_that_sent_an_address_matches_no_name() {
      var snapshot = snapshot(allow("*.example.com", "example.com"));

      assertThat(snapshot.decide(ALICE, tcp("8.8.8.8", 80))).isEqualTo(NO_MATCH);
    }
  }

  @Nested
  class Addresses {

    @Test
    void a_cidr_matches_the_resolved_address_whatever_the_name() {
      var snapshot = snapshot(allow("8.8.8.0/24", "2001:4860::/32"));

      assertThat(snapshot.decide(ALICE, tcp("dns.google", "8.8.8.8", 53))).isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("2001:4860:4860::8888", 53))).isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("8.8.9.8", 53))).isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, tcp("2001:4861::1", 53))).isEqualTo(NO_MATCH);
    }

    @Test
    void an_ipv4_mapped_address_is_its_ipv4_address() throws Exception {
      var snapshot = snapshot(allow("10.0.0.0/8"));
      byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
      var request =
          new ConnectRequest(null, Inet6Address.getByAddress(null, mapped, -1), 22, Protocol.TCP);

      assertThat(snapshot.decide(ALICE, request)).isEqualTo(allowed(1));
    }
  }

  @Nested
  class Egress_guard {

    @Test
    void star_does_not_reach_a_non_public_address() {
      var snapshot = snapshot(allow("*"));

      assertThat(snapshot.decide(ALICE, tcp("127.0.0.1", 22))).isEqualTo(guarded(1));
      assertThat(snapshot.decide(ALICE, tcp("169.254.169.254", 80))).isEqualTo(guarded(1));
      assertThat(snapshot.decide(ALICE, tcp("::ffff:192.168.1.1", 80))).isEqualTo(guarded(1));
      assertThat(snapshot.decide(ALICE, tcp("8.8.8.8", 80))).isEqualTo(allowed(1));
    }

    @Test
    void a_name_that_resolves_to_a_non_public_address_is_refused() {
      var snapshot = snapshot(allow("*.example.com"));

      assertThat(snapshot.decide(ALICE, tcp("rebind.example.com", "10.0.0.5", 443)))
          .isEqualTo(guarded(1));
    }

    @Test
    void a_cidr_that_names_the_address_admits_it() {
      var snapshot = snapshot(allow("10.0.0.0/8", "*"));
      var everything = snapshot(allow("0.0.0.0/0", "::/0"));

      assertThat(snapshot.decide(ALICE, tcp("db.internal", "10.0.0.5", 5432)))
          .isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("8.8.8.8", 53))).isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("127.0.0.1", 8080))).isEqualTo(guarded(1));
      assertThat(everything.decide(ALICE, tcp("127.0.0.1", 8080))).isEqualTo(allowed(1));
      assertThat(everything.decide(ALICE, tcp("::1", 8080))).isEqualTo(allowed(1));
    }

    @Test
    void the_search_stops_at_the_guarded_rule() {
      var snapshot = snapshot(allow("*"), allow("127.0.0.0/8"));

      assertThat(snapshot.decide(ALICE, tcp("127.0.0.1", 8080))).isEqualTo(guarded(1));
    }

    @Test
    void deny_rules_match_non_public_addresses_through_any_pattern() {
      var snapshot = snapshot(deny("*"), allow("10.0.0.0/8"));

      assertThat(snapshot.decide(ALICE, tcp("10.0.0.5", 80))).isEqualTo(deniedBy(1));
    }
  }

  @Nested
  class Subjects_ports_and_protocols {

    private final PolicySnapshot snapshot =
        snapshot(
            rule(Action.ALLOW, Set.of("bob"), Set.of(), "bob.example.com"),
            rule(Action.ALLOW, Set.of(), Set.of("ops"), "ops.example.com"),
            rule(
                Action.ALLOW,
                List.of(new PortRange(80, 80), new PortRange(8000, 8999)),
                Set.of(Protocol.TCP),
                "web.example.com"),
            rule(Action.ALLOW, List.of(), Set.of(Protocol.UDP), "dns.example.com"));

    @Test
    void user_and_group_rules_match_only_their_principals() {
      var bob = new Principal.UserPrincipal("bob", Set.of());

      assertThat(snapshot.decide(bob, tcp("bob.example.com", "8.8.8.8", 443)))
          .isEqualTo(allowed(1));
      assertThat(snapshot.decide(ALICE, tcp("bob.example.com", "8.8.8.8", 443)))
          .isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, tcp("ops.example.com", "8.8.8.8", 443)))
          .isEqualTo(allowed(2));
      assertThat(snapshot.decide(bob, tcp("ops.example.com", "8.8.8.8", 443))).isEqualTo(NO_MATCH);
    }

    @Test
    void anonymous_clients_match_only_rules_for_everyone() {
      assertThat(snapshot.decide(ANONYMOUS, tcp("bob.example.com", "8.8.8.8", 443)))
          .isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ANONYMOUS, tcp("web.example.com", "8.8.8.8", 80)))
          .isEqualTo(allowed(3));
    }

    @Test
    void ports_and_protocols_must_match() {
      assertThat(snapshot.decide(ALICE, tcp("web.example.com", "8.8.8.8", 8443)))
          .isEqualTo(allowed(3));
      assertThat(snapshot.decide(ALICE, tcp("web.example.com", "8.8.8.8", 443)))
          .isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, udp("web.example.com", 80))).isEqualTo(NO_MATCH);
      assertThat(snapshot.decide(ALICE, udp("dns.example.com", 53))).isEqualTo(allowed(4));
      assertThat(snapshot.decide(ALICE, tcp("dns.example.com", "8.8.8.8", 53))).isEqualTo(NO_MATCH);
    }

    @Test
    void port_zero_matches_only_rules_that_name_no_port() {
      assertThat(snapshot.decide(ALICE, udp("dns.example.com", 0))).isEqualTo(allowed(4));
      assertThat(snapshot.decide(ALICE, tcp("web.example.com", "8.8.8.8", 0))).isEqualTo(NO_MATCH);
    }

    private static ConnectRequest udp(String host, int port) {
      return new ConnectRequest(host, ip("8.8.8.8"), port, Protocol.UDP);
    }
  }

  @Nested
  class Compilation {

    @Test
    void exposes_the_policy_and_its_users() {
      var alice = new User("alice", new PasswordHash("{plain}pw"), Set.of("ops"), true);
      var policy = new Policy(false, List.of(alice), List.of(allow("*")));

      var snapshot = PolicySnapshot.compile(policy, 42);

      assertThat(snapshot.revision()).isEqualTo(42);
      assertThat(snapshot.policy()).isSameAs(policy);
      assertThat(snapshot.anonymousAllowed()).isFalse();
      assertThat(snapshot.user("alice")).contains(alice);
      assertThat(snapshot.user("bob")).isEmpty();
      assertThat(snapshot).hasToString("PolicySnapshot[revision=42, users=1, rules=1]");
    }

    @Test
    void refuses_a_malformed_password_hash_naming_the_user() {
      var broken =
          new User("carol", new PasswordHash("$pbkdf2-sha256$i=1$AAAA$AAAA"), Set.of(), true);
      var policy = new Policy(false, List.of(broken), List.of());

      assertThatIllegalArgumentException()
          .isThrownBy(() -> PolicySnapshot.compile(policy, 1))
          .withMessageStartingWith("user carol: malformed password hash");
    }

    @Test
    void refuses_a_negative_revision() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> PolicySnapshot.compile(Policy.denyAll(), -1));
    }
  }
}
