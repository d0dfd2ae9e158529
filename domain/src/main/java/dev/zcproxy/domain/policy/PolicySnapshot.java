package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.User;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Policy} compiled for use at connection rate: immutable, versioned by {@link
 * #revision()}, and safe to share between threads without locks.
 *
 * <h2>How a connection is decided</h2>
 *
 * <ol>
 *   <li>Rules are read in order and the <b>first rule that matches wins</b>; when none matches the
 *       connection is denied ({@link Decision.Reason#NO_RULE_MATCHED}, rule number 0).
 *   <li>A rule matches when its subjects name the principal (a user, one of the user's groups, or
 *       everyone when the rule names neither: the only rules an anonymous client can match), its
 *       ports contain the port (no ports: every port), its protocols contain the protocol (none:
 *       both), and one of its destinations matches:
 *       <ul>
 *         <li>{@code example.com} (exact) and {@code *.example.com} (suffix: {@code a.example.com},
 *             {@code a.b.example.com}, but not {@code example.com}) match the <em>name the client
 *             asked for</em>, {@link ConnectRequest#host()}; a client that sent an address matches
 *             no name pattern;
 *         <li>a CIDR block matches the resolved {@link ConnectRequest#address()}, an IPv4-mapped
 *             IPv6 address counting as its IPv4 address;
 *         <li>{@code *} matches every address.
 *       </ul>
 *   <li>A matching deny rule denies ({@link Decision.Reason#DENIED_BY_RULE}).
 *   <li>A matching allow rule allows, subject to the <b>egress guard</b>: when the address is not
 *       public ({@link EgressGuard}), only a CIDR block of that rule that contains the address can
 *       allow it. If the first matching rule is an allow rule that matched the non-public address
 *       by name or by {@code *} only, the connection is denied ({@link
 *       Decision.Reason#EGRESS_GUARD}, with that rule's number) and no later rule is consulted, so
 *       the outcome never depends on rules further down.
 * </ol>
 *
 * <p>Internally each rule's destinations go into shared indexes: exact names in a hash map, name
 * suffixes in a label trie, CIDR blocks in per-prefix-length hash tables. A decision probes each
 * index once and keeps the lowest-numbered rule that also passes its subject, port and protocol
 * checks, so its cost grows with the number of labels and distinct prefix lengths, not with the
 * number of rules.
 */
public final class PolicySnapshot {

  private static final Decision NO_RULE_MATCHED =
      new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "no rule allows this destination");

  private static final Decision INACTIVE_USER =
      new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "user is unknown or disabled");
  private static final Decision ANONYMOUS_OFF =
      new Decision.Deny(Decision.Reason.NO_RULE_MATCHED, 0, "anonymous access is not allowed");

  private final Policy policy;
  private final long revision;
  private final Map<String, User> users;
  private final CompiledRule[] rules;
  private final HostNameIndex hostNames;
  private final AddressPrefixTable ipv4Blocks;
  private final AddressPrefixTable ipv6Blocks;
  private final int[] anyAddressRules;

  private PolicySnapshot(Policy policy, long revision) {
    this.policy = policy;
    this.revision = revision;
    Map<String, User> byName = new HashMap<>();
    policy.users().forEach(user -> byName.put(user.name(), user));
    this.users = Map.copyOf(byName);

    List<AclRule> ruleList = policy.rules();
    this.rules = new CompiledRule[ruleList.size()];
    var hostNameIndex = new HostNameIndex.Builder();
    var ipv4 = new AddressPrefixTable.Builder(4);
    var ipv6 = new AddressPrefixTable.Builder(16);
    var anyAddress = new RuleIndexes();
    for (int index = 0; index < rules.length; index++) {
      AclRule rule = ruleList.get(index);
      rules[index] = new CompiledRule(rule, index + 1);
      for (DestinationPattern destination : rule.destinations()) {
        switch (destination) {
          case DestinationPattern.AnyPublic _ -> anyAddress.add(index);
          case DestinationPattern.ExactHost(String host) -> hostNameIndex.addExact(host, index);
          case DestinationPattern.HostSuffix(String suffix) ->
              hostNameIndex.addSuffix(suffix, index);
          case DestinationPattern.Cidr(var network, int prefixLength) -> {
            byte[] bytes = network.getAddress();
            (bytes.length == 4 ? ipv4 : ipv6).add(bytes, prefixLength, index);
          }
        }
      }
    }
    this.hostNames = hostNameIndex.build();
    this.ipv4Blocks = ipv4.build();
    this.ipv6Blocks = ipv6.build();
    this.anyAddressRules = anyAddress.toArray();
  }

  /**
   * Compiles a policy. Every user's password hash is checked for form here, so that a bad hash
   * fails when the policy is loaded rather than when the user logs in.
   *
   * @param revision the policy's version, {@code >= 0}; newer policies have higher revisions
   * @throws IllegalArgumentException naming the user whose password hash is malformed
   */
  public static PolicySnapshot compile(Policy policy, long revision) {
    Objects.requireNonNull(policy, "policy");
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be >= 0, got " + revision);
    }
    for (User user : policy.users()) {
      try {
        Pbkdf2PasswordHasher.requireWellFormed(user.password());
      } catch (IllegalArgumentException malformed) {
        throw new IllegalArgumentException(
            "user " + user.name() + ": " + malformed.getMessage(), malformed);
      }
    }
    return new PolicySnapshot(policy, revision);
  }

  public long revision() {
    return revision;
  }

  public Policy policy() {
    return policy;
  }

  public boolean anonymousAllowed() {
    return policy.anonymous();
  }

  public Optional<User> user(String name) {
    return Optional.ofNullable(users.get(name));
  }

  /**
   * Decides a connection for a principal authenticated under some policy, maybe an older one,
   * re-reading who it is in this one: a user removed or disabled here, or an anonymous client when
   * anonymous access is off here, is denied ({@link Decision.Reason#NO_RULE_MATCHED}, rule 0: no
   * rule of this policy can apply to a principal it does not know), and a user's groups are this
   * policy's. What a new connection and the re-check of a live tunnel after a policy change ask.
   */
  public Decision authorize(Principal principal, ConnectRequest request) {
    Objects.requireNonNull(request, "request");
    return switch (Objects.requireNonNull(principal, "principal")) {
      case Principal.Anonymous anonymous ->
          policy.anonymous() ? decide(anonymous, request) : ANONYMOUS_OFF;
      case Principal.UserPrincipal user -> {
        User current = users.get(user.name());
        yield current == null || !current.enabled()
            ? INACTIVE_USER
            : decide(new Principal.UserPrincipal(current.name(), current.groups()), request);
      }
    };
  }

  /**
   * Decides a connection as described in the class comment. The principal is taken as given: that
   * it still exists and is enabled is {@link #authorize}'s concern.
   */
  public Decision decide(Principal principal, ConnectRequest request) {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(request, "request");
    byte[] address = AddressBytes.canonical(request.address());
    var scan = new FirstMatch(rules, principal, request.port(), request.protocol());
    (address.length == 4 ? ipv4Blocks : ipv6Blocks).offerMatches(address, scan);
    String host = canonicalHost(request.host());
    if (host != null) {
      hostNames.offerMatches(host, scan);
    }
    scan.offerByName(anyAddressRules);
    if (!scan.found()) {
      return NO_RULE_MATCHED;
    }
    return scan.rule().decide(scan.matchedByAddress(), address);
  }

  /** Lower case without the root's trailing dot, as patterns are stored; null stays null. */
  private static String canonicalHost(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    String lower = host.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  @Override
  public String toString() {
    return "PolicySnapshot[revision="
        + revision
        + ", users="
        + users.size()
        + ", rules="
        + rules.length
        + "]";
  }
}
