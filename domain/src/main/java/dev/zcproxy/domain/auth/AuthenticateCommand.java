package dev.zcproxy.domain.auth;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One authentication attempt.
 *
 * @param source the client's address, for throttling failures per source
 */
public record AuthenticateCommand(Credentials credentials, InetAddress source) {
  public AuthenticateCommand {
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(source, "source");
  }
}
