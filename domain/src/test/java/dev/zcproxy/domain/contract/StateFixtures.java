package dev.zcproxy.domain.contract;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyScope;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Short ways to make stored things in contract and service tests. */
public final class StateFixtures {

  /** A well-formed PBKDF2 hash (of nothing in particular): the stores never check passwords. */
  public static final PasswordHash HASH =
      new PasswordHash(
          "$pbkdf2-sha256$i=10000$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g");

  public static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

  private StateFixtures() {}

  public static StoredUser user(String name, long version, String... groups) {
    return new StoredUser(new User(name, HASH, Set.of(groups), true), version);
  }

  public static AclRule allow(String... destinations) {
    return new AclRule(
        Action.ALLOW, Set.of(), Set.of(), patterns(destinations), List.of(), Set.of());
  }

  /** A rule that uses every form a field can take. */
  public static AclRule everyForm() {
    return new AclRule(
        Action.DENY,
        Set.of("alice", "bob"),
        Set.of("staff", "ops"),
        patterns("*", "*.example.com", "example.org", "10.0.0.0/8", "2001:db8::/32", "::1"),
        List.of(PortRange.single(443), new PortRange(8000, 8999)),
        Set.of(Protocol.TCP, Protocol.UDP));
  }

  public static StoredRule rule(int position, long version, String... destinations) {
    return new StoredRule(RuleId.random(), position, allow(destinations), version);
  }

  public static List<DestinationPattern> patterns(String... destinations) {
    return Arrays.stream(destinations).map(DestinationPattern::parse).toList();
  }

  /** A key with the given id (12 hex digits) and a made-up digest. */
  public static ApiKey apiKey(String id, ApiKeyScope scope) {
    return new ApiKey(
        id,
        "key-" + id,
        scope,
        HexFormat.of().formatHex(new byte[32]).replace('0', id.charAt(0)),
        T0,
        Optional.of(T0.plusSeconds(3600)),
        Optional.empty(),
        "system");
  }
}
