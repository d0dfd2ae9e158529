package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Proxy-Authorization: Basic} for HTTP/1.1 and HTTP/2 alike: no header is the anonymous
 * principal where the policy admits one, otherwise the password is checked off the event loop
 * ({@link ClientAuthentication}). Failures are counted here and come back as the {@link
 * HttpRejection} to answer with (407 with the challenge, or 400 for a malformed header).
 */
final class HttpProxyAuthentication {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyAuthentication.class);

  private HttpProxyAuthentication() {}

  /**
   * @param connection the client's connection (for HTTP/2, the parent of the stream)
   * @param protocol the metrics label
   * @param authorization the header's value, or null when there is none
   * @return completes on the connection's event loop with the principal, or fails with an {@link
   *     HttpRejection}
   */
  static Future<Principal> authenticate(
      ProxyContext context, Channel connection, String protocol, String authorization) {
    EventLoop loop = connection.eventLoop();
    if (authorization == null) {
      Principal anonymous = ClientAuthentication.anonymous(context, connection);
      if (anonymous != null) {
        return loop.newSucceededFuture(anonymous);
      }
      context.metrics().authenticationFailed(protocol, "no_credentials");
      return loop.newFailedFuture(
          HttpRejection.authenticationRequired(
              "authentication_required", "proxy authentication required"));
    }
    Credentials.UsernamePassword credentials;
    try {
      credentials = HttpBasicCredentials.parse(authorization);
    } catch (HttpRejection malformed) {
      context.metrics().authenticationFailed(protocol, malformed.label());
      return loop.newFailedFuture(malformed);
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
                context.metrics().authenticationFailed(protocol, "error");
                principal.setFailure(HttpRejection.authenticationRequired("error", "login failed"));
              } else if (answer.getNow() instanceof AuthResult.Authenticated ok) {
                principal.setSuccess(ok.principal());
              } else {
                String reason = ClientAuthentication.failureLabel(answer.getNow());
                context.metrics().authenticationFailed(protocol, reason);
                log.debug("{}: login of {} failed: {}", connection, credentials.username(), reason);
                principal.setFailure(
                    HttpRejection.authenticationRequired(reason, "wrong user name or password"));
              }
            });
    return principal;
  }
}
