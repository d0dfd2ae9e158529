package dev.zcproxy.domain.auth;

import java.util.Objects;

/** What a client presented to prove who it is. */
public sealed interface Credentials {

  /** The client offered nothing (SOCKS5 method 0x00, SOCKS4 without a known user). */
  record None() implements Credentials {}

  record UsernamePassword(String username, String password) implements Credentials {
    public UsernamePassword {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
    }

    /** The password never reaches a log line. */
    @Override
    public String toString() {
      return "UsernamePassword[username=" + username + ", password=***]";
    }
  }

  /**
   * A Kerberos principal whose ticket the front end has already verified (SOCKS5 GSS-API, HTTP
   * Negotiate), such as {@code alice@ZCPROXY.TEST}. There is no secret left to check: the domain
   * only decides which policy user, if any, it stands for (see {@link KerberosPrincipalMapping}).
   */
  record KerberosPrincipal(String name) implements Credentials {
    public KerberosPrincipal {
      Objects.requireNonNull(name, "name");
    }
  }

  Credentials NONE = new None();
}
