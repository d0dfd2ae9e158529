package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.ExpectedVersion;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A user's new groups and state.
 *
 * @param password a new password in plain text, or empty to keep the stored hash (clients cannot
 *     read it back, so a replace without one must not lose it)
 */
public record ReplaceUserCommand(
    String name,
    Optional<String> password,
    Set<String> groups,
    boolean enabled,
    ExpectedVersion expected) {

  public ReplaceUserCommand {
    User.requireName(name, "user");
    Objects.requireNonNull(password, "password").ifPresent(Passwords::require);
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    groups.forEach(group -> User.requireName(group, "group"));
    Objects.requireNonNull(expected, "expected");
  }

  @Override
  public String toString() {
    return "ReplaceUserCommand[name="
        + name
        + ", password="
        + (password.isPresent() ? "***" : "unchanged")
        + ", groups="
        + groups
        + ", enabled="
        + enabled
        + "]";
  }
}
