package dev.zcproxy.inbound.netty.http;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.auth.ClientAuthentication;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosExchange;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosLogin;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Proxy-Authorization} for HTTP/1.1 and HTTP/2 alike: no header is the anonymous principal
 * where the policy admits one; {@code Basic} is a password checked off the event loop ({@link
 * ClientAuthentication}); {@code Negotiate} (RFC 4559, SPNEGO or a bare Kerberos token), when
 * Kerberos is set up, is a ticket accepted by JGSS off the event loop and mapped to a policy user.
 * Failures are counted here and come back as the {@link HttpRejection} to answer with (407 with the
 * challenges, {@code Negotiate} first when offered, or 400 for a malformed header).
 */
public final class HttpProxyAuthentication {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyAuthentication.class);

  private static final String NEGOTIATE = "negotiate";

  private HttpProxyAuthentication() {}

  /**
   * @param connection the client's connection (for HTTP/2, the parent of the stream)
   * @param protocol the metrics label
   * @param authorization the header's value, or null when there is none
   * @return completes on the connection's event loop with the principal, or fails with an {@link
   *     HttpRejection}
   */
  public static Future<Principal> authenticate(
      ProxyContext context, Channel connection, String protocol, String authorization) {
    EventLoop loop = connection.eventLoop();
    List<String> challenges = challenges(context);
    if (authorization == null) {
      Principal anonymous = ClientAuthentication.anonymous(context, connection);
      if (anonymous != null) {
        return loop.newSucceededFuture(anonymous);
      }
      context.metrics().authenticationFailed(protocol, "no_credentials");
      return loop.newFailedFuture(
          HttpRejection.authenticationRequired(
                  "authentication_required", "proxy authentication required")
              .offering(challenges));
    }
    if (isNegotiate(authorization) && context.settings().kerberos().isPresent()) {
      return negotiate(context, connection, protocol, authorization, challenges);
    }
    Credentials.UsernamePassword credentials;
    try {
      credentials = HttpBasicCredentials.parse(authorization);
    } catch (HttpRejection malformed) {
      context.metrics().authenticationFailed(protocol, malformed.label());
      return loop.newFailedFuture(malformed.offering(challenges));
    }
    Promise<Principal> principal = loop.newPromise();
    ClientAuthentication.authenticate(context, connection, credentials)
        .addListener(
            (Future<AuthResult> answer) -> {
              if (!answer.isSuccess()) {
                log.warn(
                    "{}: checking the login of {} failed",
                    connection,
                    credentials.username(),
                    answer.cause());
                fail(principal, context, protocol, challenges, "error", "login failed");
              } else if (answer.getNow() instanceof AuthResult.Authenticated ok) {
                principal.setSuccess(ok.principal());
              } else {
                String reason = ClientAuthentication.failureLabel(answer.getNow());
                log.debug("{}: login of {} failed: {}", connection, credentials.username(), reason);
                fail(
                    principal,
                    context,
                    protocol,
                    challenges,
                    reason,
                    "wrong user name or password");
              }
            });
    return principal;
  }

  /** Negotiate first: a client that can do both should use its ticket. */
  private static List<String> challenges(ProxyContext context) {
    return context.settings().kerberos().isPresent()
        ? List.of(HttpResponses.NEGOTIATE_CHALLENGE, HttpResponses.BASIC_CHALLENGE)
        : List.of(HttpResponses.BASIC_CHALLENGE);
  }

  private static boolean isNegotiate(String authorization) {
    String value = authorization.strip();
    int space = value.indexOf(' ');
    String scheme = space < 0 ? value : value.substring(0, space);
    return scheme.toLowerCase(Locale.ROOT).equals(NEGOTIATE);
  }

  /**
   * One round of RFC 4559: Kerberos needs only one, so a context that wants another token is
   * refused rather than kept across requests. The mutual-authentication token is not sent back;
   * clients (curl, browsers) do not require it from a proxy.
   */
  private static Future<Principal> negotiate(
      ProxyContext context,
      Channel connection,
      String protocol,
      String authorization,
      List<String> challenges) {
    Promise<Principal> principal = connection.eventLoop().newPromise();
    byte[] token;
    try {
      String encoded = authorization.strip().substring(NEGOTIATE.length()).strip();
      token = Base64.getDecoder().decode(encoded);
      if (token.length == 0) {
        throw new IllegalArgumentException("empty token");
      }
    } catch (IllegalArgumentException malformed) {
      fail(principal, context, protocol, challenges, "malformed", "malformed Negotiate token");
      return principal;
    }
    KerberosExchange exchange = context.settings().kerberos().orElseThrow().newExchange();
    KerberosLogin.accept(context, connection, exchange, token)
        .addListener(
            (Future<KerberosLogin.Outcome> done) -> {
              exchange.close();
              switch (done.getNow()) {
                case KerberosLogin.Outcome.LoggedIn in -> principal.setSuccess(in.principal());
                case KerberosLogin.Outcome.Continue more -> {
                  log.debug("{}: Negotiate token refused: needs more than one round", connection);
                  fail(
                      principal,
                      context,
                      protocol,
                      challenges,
                      "bad_token",
                      "Kerberos authentication failed");
                }
                case KerberosLogin.Outcome.TicketRefused(String reason, String detail) -> {
                  log.debug("{}: Negotiate token refused: {}", connection, detail);
                  fail(
                      principal,
                      context,
                      protocol,
                      challenges,
                      reason,
                      "Kerberos authentication failed");
                }
                case KerberosLogin.Outcome.LoginFailed failed ->
                    fail(principal, context, protocol, challenges, "error", "login failed");
                case KerberosLogin.Outcome.PrincipalRefused(String reason, String client) -> {
                  log.debug("{}: Kerberos principal {} refused: {}", connection, client, reason);
                  fail(
                      principal,
                      context,
                      protocol,
                      challenges,
                      reason,
                      "this Kerberos principal may not use the proxy");
                }
              }
            });
    return principal;
  }

  private static void fail(
      Promise<Principal> principal,
      ProxyContext context,
      String protocol,
      List<String> challenges,
      String reason,
      String message) {
    context.metrics().authenticationFailed(protocol, reason);
    principal.setFailure(
        HttpRejection.authenticationRequired(reason, message).offering(challenges));
  }
}
