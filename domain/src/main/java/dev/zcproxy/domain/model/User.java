package dev.zcproxy.domain.model;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** A proxy user. Only the password's hash is held; see {@link PasswordHash}. */
public record User(String name, PasswordHash password, Set<String> groups, boolean enabled) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,255}");

  public User {
    requireName(name, "user");
    Objects.requireNonNull(password, "password");
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    groups.forEach(group -> requireName(group, "group"));
  }

  /**
   * Names of users and groups: 1 to 255 of {@code A-Z a-z 0-9 . _ @ -}. 255 is the limit of a
   * SOCKS5 RFC 1929 user name, so every user can log in over every protocol.
   */
  public static String requireName(String name, String what) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " name must be 1-255 characters of A-Z a-z 0-9 . _ @ -, got: " + name);
    }
    return name;
  }
}
