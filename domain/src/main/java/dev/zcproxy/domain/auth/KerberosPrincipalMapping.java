package dev.zcproxy.domain.auth;

import dev.zcproxy.domain.model.User;
import java.util.Objects;
import java.util.Optional;

/**
 * Which policy user an authenticated Kerberos principal stands for. The rule is deliberately plain:
 * {@code name@REALM} is the policy user {@code name} when {@code REALM} is the accepted realm
 * (compared exactly: Kerberos realms are case-sensitive). Anything else stands for nobody: another
 * realm, a principal with an instance ({@code alice/admin@REALM}, {@code HTTP/host@REALM}), or a
 * name that is not a valid user name. Whether the user exists and is enabled is the policy's
 * business, decided afterwards like for a password login.
 *
 * @param realm the accepted realm; empty when Kerberos is not set up, so that every principal is
 *     refused
 */
public record KerberosPrincipalMapping(Optional<String> realm) {

  /** No Kerberos: every principal is of a foreign realm. */
  public static final KerberosPrincipalMapping NONE =
      new KerberosPrincipalMapping(Optional.empty());

  public KerberosPrincipalMapping {
    Objects.requireNonNull(realm, "realm");
    realm.ifPresent(KerberosPrincipalMapping::requireRealm);
  }

  /** Accepts principals of {@code realm}. */
  public static KerberosPrincipalMapping forRealm(String realm) {
    return new KerberosPrincipalMapping(Optional.of(realm));
  }

  /** The outcome of mapping one principal name. */
  public sealed interface Mapped {
    /** The principal stands for the policy user {@code name}. */
    record PolicyUser(String name) implements Mapped {}

    /** The principal is of another realm (or has none, or Kerberos is off). */
    record ForeignRealm(String realm) implements Mapped {}

    /** The principal is of the accepted realm but cannot name a policy user. */
    record NoSuchUser(String name) implements Mapped {}
  }

  /**
   * Maps a principal name as Kerberos displays it, {@code name[/instance]@REALM}, with {@code \}
   * escaping a {@code /} or {@code @} that is part of a component.
   */
  public Mapped map(String principal) {
    Objects.requireNonNull(principal, "principal");
    int at = lastUnescaped(principal, '@');
    String name = at < 0 ? principal : principal.substring(0, at);
    String principalRealm = at < 0 ? "" : principal.substring(at + 1);
    if (realm.isEmpty() || !realm.get().equals(principalRealm)) {
      return new Mapped.ForeignRealm(principalRealm);
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || !validUserName(name)) {
      return new Mapped.NoSuchUser(name);
    }
    return new Mapped.PolicyUser(name);
  }

  private static boolean validUserName(String name) {
    try {
      User.requireName(name, "user");
      return true;
    } catch (IllegalArgumentException invalid) {
      return false;
    }
  }

  private static int lastUnescaped(String text, char wanted) {
    int found = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        i++; // the next character is literal
      } else if (c == wanted) {
        found = i;
      }
    }
    return found;
  }

  private static void requireRealm(String realm) {
    if (realm.isEmpty()
        || realm.chars().anyMatch(c -> c <= ' ' || c == '@' || c == '/' || c == '\\')) {
      throw new IllegalArgumentException(
          "a Kerberos realm must be non-empty, without spaces, '@', '/' or '\\', got: " + realm);
    }
  }
}
