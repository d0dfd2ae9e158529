package dev.zcproxy.inbound.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.model.PortRange;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.PolicyVerificationKey;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The JSON the API answers with. These mirror the proxy's policy file: a user is {@code {name,
 * groups, enabled}} and a rule {@code {action, users, groups, destinations, ports, protocols}},
 * plus what the service adds ({@code id}, {@code position}, {@code version}). A user's password
 * hash appears only in a snapshot read with a {@code proxy} key, which needs it to check passwords.
 */
final class Representations {

  private Representations() {}

  record UserBody(
      String name,
      List<String> groups,
      boolean enabled,
      long version,
      @JsonInclude(JsonInclude.Include.NON_NULL) String passwordHash) {}

  record RuleBody(
      String id,
      int position,
      String action,
      List<String> users,
      List<String> groups,
      List<String> destinations,
      List<String> ports,
      List<String> protocols,
      long version) {}

  record GroupBody(String name, List<String> members) {}

  record SettingsBody(boolean anonymous, long version) {}

  record SnapshotBody(
      long revision, boolean anonymous, List<UserBody> users, List<RuleBody> rules) {}

  record SigningKeyBody(String algorithm, String keyId, String publicKey) {}

  record ApiKeyBody(
      String id,
      String name,
      String scope,
      String createdAt,
      String expiresAt,
      String revokedAt,
      String createdBy,
      @JsonInclude(JsonInclude.Include.NON_NULL) String key) {}

  record AuditBody(long id, String at, String actor, String action, String target, Long revision) {}

  static UserBody user(StoredUser stored) {
    User user = stored.user();
    return new UserBody(user.name(), sorted(user.groups()), user.enabled(), stored.version(), null);
  }

  /** Only for a snapshot read by a scope that is granted password hashes. */
  static UserBody userWithHash(StoredUser stored) {
    User user = stored.user();
    return new UserBody(
        user.name(),
        sorted(user.groups()),
        user.enabled(),
        stored.version(),
        user.password().encoded());
  }

  static RuleBody rule(StoredRule stored) {
    AclRule rule = stored.rule();
    return new RuleBody(
        stored.id().toString(),
        stored.position(),
        PolicyText.format(rule.action()),
        sorted(rule.users()),
        sorted(rule.groups()),
        rule.destinations().stream().map(DestinationPattern::toString).toList(),
        rule.ports().stream().map(PortRange::toString).toList(),
        rule.protocols().stream().map(PolicyText::format).sorted().toList(),
        stored.version());
  }

  static GroupBody group(Group group) {
    return new GroupBody(group.name(), group.members());
  }

  static SettingsBody settings(PolicySettings settings) {
    return new SettingsBody(settings.anonymous(), settings.version());
  }

  static SnapshotBody snapshot(PolicyRevision revision, boolean withHashes) {
    return new SnapshotBody(
        revision.revision(),
        revision.settings().anonymous(),
        revision.users().stream()
            .map(withHashes ? Representations::userWithHash : Representations::user)
            .toList(),
        revision.rules().stream().map(Representations::rule).toList());
  }

  static SigningKeyBody signingKey(PolicyVerificationKey key) {
    return new SigningKeyBody(key.algorithm(), key.keyId(), key.publicKeyBase64());
  }

  static ApiKeyBody apiKey(ApiKey key, String secret) {
    return new ApiKeyBody(
        key.id(),
        key.name(),
        key.scope().wireName(),
        key.createdAt().toString(),
        key.expiresAt().map(Instant::toString).orElse(null),
        key.revokedAt().map(Instant::toString).orElse(null),
        key.createdBy(),
        secret);
  }

  static ApiKeyBody apiKey(ApiKey key) {
    return apiKey(key, null);
  }

  static AuditBody audit(AuditEntry entry) {
    var event = entry.event();
    return new AuditBody(
        entry.id(),
        event.at().toString(),
        event.actor(),
        event.action(),
        event.target(),
        event.revision().isPresent() ? event.revision().getAsLong() : null);
  }

  private static List<String> sorted(Collection<String> names) {
    return names.stream().sorted().toList();
  }
}
