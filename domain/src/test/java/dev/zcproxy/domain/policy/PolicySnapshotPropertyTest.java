package dev.zcproxy.domain.policy;

import static dev.zcproxy.domain.fixtures.TestPolicies.allow;
import static dev.zcproxy.domain.fixtures.TestPolicies.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.HostNames;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The compiled snapshot against plain reference computations: CIDR containment in {@link
 * BigInteger} arithmetic, suffixes with {@link String#endsWith}, and whole policies against a
 * linear, rule-by-rule evaluator.
 */
class PolicySnapshotPropertyTest {

  private static final Principal SOMEONE = new Principal.UserPrincipal("someone", Set.of());

  // --- CIDR blocks -------------------------------------------------------------------------

  @Property
  void a_block_admits_exactly_the_addresses_it_contains(
      @ForAll("blocksAndProbes") BlockAndProbe pair) {
    var snapshot =
        compile(
            new AclRule(
                Action.ALLOW, Set.of(), Set.of(), List.of(pair.block()), List.of(), Set.of()));

    Decision decision = snapshot.decide(SOMEONE, request(null, pair.probe()));

    assertThat(decision instanceof Decision.Allow)
        .isEqualTo(referenceContains(pair.block(), pair.probe()));
  }

  record BlockAndProbe(DestinationPattern.Cidr block, InetAddress probe) {}

  /** A random block, and a probe that shares a random number of leading bits with it. */
  @Provide
  Arbitrary<BlockAndProbe> blocksAndProbes() {
    return Arbitraries.of(4, 16)
        .flatMap(
            length ->
                Combinators.combine(
                        Arbitraries.bytes().array(byte[].class).ofSize(length),
                        Arbitraries.bytes().array(byte[].class).ofSize(length),
                        Arbitraries.integers().between(0, length * 8),
                        Arbitraries.integers().between(0, length * 8))
                    .as(
                        (network, noise, prefix, shared) -> {
                          byte[] probe = network.clone();
                          for (int bit = shared; bit < length * 8; bit++) {
                            if ((noise[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                              probe[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                            }
                          }
                          return new BlockAndProbe(
                              new DestinationPattern.Cidr(fromBytes(network), prefix),
                              fromBytes(probe));
                        }));
  }

  // --- Host-name suffixes ------------------------------------------------------------------

  @Property
  void a_suffix_admits_exactly_the_names_that_end_in_dot_suffix(
      @ForAll("names") String host, @ForAll("names") String suffix) {
    var snapshot = compile(allow("*." + suffix));

    Decision decision = snapshot.decide(SOMEONE, request(host, ip("8.8.8.8")));

    assertThat(decision instanceof Decision.Allow).isEqualTo(host.endsWith("." + suffix));
  }

  @Property
  void a_suffix_taken_from_the_name_itself_admits_it(
      @ForAll("names") String host, @ForAll("names") String prefix) {
    String longer = prefix + "." + host;
    for (int dot = longer.indexOf('.'); dot >= 0; dot = longer.indexOf('.', dot + 1)) {
      var snapshot = compile(allow("*." + longer.substring(dot + 1)));

      assertThat(snapshot.decide(SOMEONE, request(longer, ip("8.8.8.8"))))
          .isInstanceOf(Decision.Allow.class);
    }
  }

  /** Names from few labels, so that one is often a suffix of another. */
  @Provide
  Arbitrary<String> names() {
    return Arbitraries.of("a", "b", "example", "com", "co", "m")
        .list()
        .ofMinSize(1)
        .ofMaxSize(4)
        .map(labels -> String.join(".", labels));
  }

  // --- Whole policies ----------------------------------------------------------------------

  @Property
  void decides_like_a_linear_reference_evaluator(
      @ForAll("policies") List<AclRule> rules,
      @ForAll("principals") Principal principal,
      @ForAll("requests") ConnectRequest request) {
    var snapshot = compile(rules.toArray(AclRule[]::new));

    assertThat(snapshot.decide(principal, request)).isEqualTo(reference(rules, principal, request));
  }

  @Provide
  Arbitrary<List<AclRule>> policies() {
    Arbitrary<DestinationPattern> destination =
        Arbitraries.of(
                "*",
                "example.com",
                "a.example.com",
                "*.example.com",
                "*.com",
                "*.a.example.com",
                "example.org",
                "10.0.0.0/8",
                "10.1.0.0/16",
                "8.8.8.0/24",
                "8.8.8.8",
                "0.0.0.0/0",
                "192.168.1.0/24",
                "2600::/12",
                "fd00::/8",
                "::/0",
                "::1")
            .map(DestinationPattern::parse);
    Arbitrary<PortRange> ports =
        Arbitraries.integers()
            .between(1, 90)
            .flatMap(
                from ->
                    Arbitraries.integers().between(from, 100).map(to -> new PortRange(from, to)));
    Arbitrary<AclRule> rule =
        Combinators.combine(
                Arbitraries.of(Action.class),
                Arbitraries.of("alice", "bob").set().ofMaxSize(1),
                Arbitraries.of("ops", "dev").set().ofMaxSize(1),
                destination.list().ofMinSize(1).ofMaxSize(3),
                ports.list().ofMaxSize(2),
                Arbitraries.of(Protocol.class).set())
            .as(AclRule::new);
    return rule.list().ofMaxSize(8);
  }

  @Provide
  Arbitrary<Principal> principals() {
    Arbitrary<Principal> users =
        Combinators.combine(
                Arbitraries.of("alice", "bob", "carol"), Arbitraries.of("ops", "dev").set())
            .as(Principal.UserPrincipal::new);
    return Arbitraries.oneOf(Arbitraries.just(Principal.ANONYMOUS), users);
  }

  @Provide
  Arbitrary<ConnectRequest> requests() {
    Arbitrary<String> hosts =
        Arbitraries.of(
                "example.com", "a.example.com", "b.a.example.com", "example.org", "Example.COM.")
            .injectNull(0.2);
    Arbitrary<InetAddress> addresses =
        Arbitraries.of(
                "10.1.2.3",
                "10.2.0.1",
                "8.8.8.8",
                "8.8.4.4",
                "192.168.1.7",
                "127.0.0.1",
                "1.1.1.1",
                "2600:1::1",
                "2001:db8::1",
                "fd00::1",
                "::1")
            .map(literal -> ip(literal));
    Arbitrary<InetAddress> mapped =
        addresses
            .filter(a -> a.getAddress().length == 4)
            .map(PolicySnapshotPropertyTest::mappedForm);
    return Combinators.combine(
            hosts,
            Arbitraries.oneOf(addresses, mapped),
            Arbitraries.integers().between(0, 100),
            Arbitraries.of(Protocol.class))
        .as(ConnectRequest::new);
  }

  /** The policy semantics, written as plainly as possible. */
  private static Decision reference(
      List<AclRule> rules, Principal principal, ConnectRequest request) {
    for (int i = 0; i < rules.size(); i++) {
      AclRule rule = rules.get(i);
      int number = i + 1;
      if (!namesPrincipal(rule, principal)
          || !(rule.ports().isEmpty()
              || rule.ports().stream().anyMatch(r -> r.contains(request.port())))
          || !(rule.protocols().isEmpty() || rule.protocols().contains(request.protocol()))) {
        continue;
      }
      boolean byAddress =
          rule.destinations().stream()
              .anyMatch(
                  d ->
                      d instanceof DestinationPattern.Cidr c
                          && referenceContains(c, request.address()));
      boolean byName =
          rule.destinations().stream().anyMatch(d -> referenceNameMatch(d, request.host()));
      if (!byAddress && !byName) {
        continue;
      }
      if (rule.action() == Action.DENY) {
        return new Decision.Deny(
            Decision.Reason.DENIED_BY_RULE, number, "denied by rule " + number);
      }
      if (byAddress || EgressGuard.isPublic(request.address())) {
        return new Decision.Allow(number);
      }
      return new Decision.Deny(
          Decision.Reason.EGRESS_GUARD,
          number,
          "rule " + number + " does not name this non-public address");
    }
    return new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "no rule allows this destination");
  }

  private static boolean namesPrincipal(AclRule rule, Principal principal) {
    if (rule.appliesToEveryone()) {
      return true;
    }
    return principal instanceof Principal.UserPrincipal user
        && (rule.users().contains(user.name())
            || user.groups().stream().anyMatch(rule.groups()::contains));
  }

  private static boolean referenceNameMatch(DestinationPattern pattern, String host) {
    String name = host == null ? null : host.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
    return switch (pattern) {
      case DestinationPattern.AnyPublic _ -> true;
      case DestinationPattern.ExactHost exact -> exact.host().equals(name);
      case DestinationPattern.HostSuffix suffix ->
          name != null && name.endsWith("." + suffix.suffix());
      case DestinationPattern.Cidr _ -> false;
    };
  }

  /** Containment by arithmetic on the whole address as a number. */
  private static boolean referenceContains(DestinationPattern.Cidr block, InetAddress address) {
    byte[] network = block.network().getAddress();
    byte[] candidate = address.getAddress();
    if (HostNames.isIpv4Mapped(candidate)) {
      candidate = Arrays.copyOfRange(candidate, 12, 16);
    }
    if (network.length != candidate.length) {
      return false;
    }
    int hostBits = network.length * 8 - block.prefixLength();
    return new BigInteger(1, network)
        .shiftRight(hostBits)
        .equals(new BigInteger(1, candidate).shiftRight(hostBits));
  }

  // --- helpers -----------------------------------------------------------------------------

  private static PolicySnapshot compile(AclRule... rules) {
    return PolicySnapshot.compile(new Policy(true, List.of(), List.of(rules)), 1);
  }

  private static ConnectRequest request(String host, InetAddress address) {
    return new ConnectRequest(host, address, 443, Protocol.TCP);
  }

  /** An address as the JDK builds it from bytes. */
  private static InetAddress fromBytes(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The IPv4 address as an IPv4-mapped {@link Inet6Address}, which the JDK seldom keeps. */
  private static InetAddress mappedForm(InetAddress ipv4) {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(ipv4.getAddress(), 0, mapped, 12, 4);
    try {
      return Inet6Address.getByAddress(null, mapped, -1);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
