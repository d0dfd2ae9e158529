package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

/** Calls the authentication use case on behalf of a client channel. */
final class ClientAuthentication {
  private ClientAuthentication() {}

  static AuthResult authenticate(ProxyContext context, Channel client, Credentials credentials) {
    return context
        .authentication()
        .authenticate(new AuthenticateCommand(credentials, source(client)));
  }

  /**
   * The anonymous principal if the policy lets clients skip authentication (and the use case
   * agrees), otherwise null.
   */
  static Principal anonymous(ProxyContext context, Channel client) {
    if (!context.authentication().anonymousAllowed()) {
      return null;
    }
    return authenticate(context, client, Credentials.NONE) instanceof AuthResult.Authenticated ok
        ? ok.principal()
        : null;
  }

  /** The metrics label of a failed attempt, e.g. {@code bad_password} or {@code throttled}. */
  static String failureLabel(AuthResult result) {
    return switch (result) {
      case AuthResult.Rejected rejected -> rejected.reason().name().toLowerCase(Locale.ROOT);
      case AuthResult.Throttled throttled -> "throttled";
      case AuthResult.Authenticated authenticated -> "none";
    };
  }

  private static InetAddress source(Channel client) {
    if (client.remoteAddress() instanceof InetSocketAddress remote) {
      return remote.getAddress();
    }
    throw new IllegalStateException("client channel without an IP address: " + client);
  }
}
