package dev.zcproxy.domain.state;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What an API key may do. */
public enum ApiKeyScope {
  /** Everything but reading password hashes. */
  ADMIN(
      EnumSet.of(
          Permission.READ_SNAPSHOT,
          Permission.READ_POLICY,
          Permission.WRITE_POLICY,
          Permission.ADMINISTER)),
  /** Read the policy; change nothing. */
  READ(EnumSet.of(Permission.READ_SNAPSHOT, Permission.READ_POLICY)),
  /** A proxy's key: the snapshot (with password hashes, which it verifies) and nothing else. */
  PROXY(EnumSet.of(Permission.READ_SNAPSHOT, Permission.READ_PASSWORD_HASHES));

  private final Set<Permission> granted;

  ApiKeyScope(Set<Permission> granted) {
    this.granted = Set.copyOf(granted);
  }

  public boolean grants(Permission permission) {
    return granted.contains(permission);
  }

  /** The name used in JSON and the database: {@code admin}, {@code read}, {@code proxy}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<ApiKeyScope> fromWireName(String name) {
    for (ApiKeyScope scope : values()) {
      if (scope.wireName().equals(name)) {
        return Optional.of(scope);
      }
    }
    return Optional.empty();
  }
}
