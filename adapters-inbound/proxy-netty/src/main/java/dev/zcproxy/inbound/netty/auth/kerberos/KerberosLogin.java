package dev.zcproxy.inbound.netty.auth.kerberos;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.auth.ClientAuthentication;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kerberos login, the same for SOCKS5 GSS-API and HTTP {@code Negotiate}: accept the client's
 * token off the event loop, and once the security context is established, ask the policy whom the
 * ticket's principal stands for ({@code alice@REALM} is user {@code alice}) before the client
 * learns anything more.
 */
public final class KerberosLogin {
  private static final Logger log = LoggerFactory.getLogger(KerberosLogin.class);

  /** Where one token leaves the login; completes on the client's event loop, never failed. */
  public sealed interface Outcome {
    /** The client owes another token: send it {@code token}. */
    record Continue(byte[] token) implements Outcome {}

    /**
     * The client is {@code principal} (its ticket named {@code client}); {@code token} (mutual
     * authentication) is owed to it, or null.
     */
    record LoggedIn(Principal principal, String client, byte[] token) implements Outcome {}

    /**
     * The token was not accepted.
     *
     * @param reason the metrics label: {@code throttled} (the login pool is full) or {@code
     *     bad_token}
     * @param detail for the debug log, never a secret
     */
    record TicketRefused(String reason, String detail) implements Outcome {}

    /** The ticket is good, but mapping its principal failed unexpectedly (logged here). */
    record LoginFailed(String client) implements Outcome {}

    /**
     * The ticket is good, but the policy refuses its principal.
     *
     * @param reason the metrics label, e.g. {@code unknown_user}
     */
    record PrincipalRefused(String reason, String client) implements Outcome {}
  }

  private KerberosLogin() {}

  /** Feeds {@code token} to {@code exchange}; the caller owns the exchange and closes it. */
  public static Future<Outcome> accept(
      ProxyContext context, Channel client, KerberosExchange exchange, byte[] token) {
    Promise<Outcome> outcome = client.eventLoop().newPromise();
    ClientAuthentication.offEventLoop(context, client, () -> exchange.accept(token))
        .addListener(
            (Future<KerberosExchange.Step> step) -> {
              if (!step.isSuccess()) {
                boolean overloaded = step.cause() instanceof RejectedExecutionException;
                outcome.trySuccess(
                    new Outcome.TicketRefused(
                        overloaded ? "throttled" : "bad_token", step.cause().toString()));
                return;
              }
              switch (step.getNow()) {
                case KerberosExchange.Step.Continue(byte[] next) ->
                    outcome.trySuccess(new Outcome.Continue(next));
                case KerberosExchange.Step.Established(byte[] answer, String name) ->
                    mapPrincipal(context, client, name, answer, outcome);
              }
            });
    return outcome;
  }

  private static void mapPrincipal(
      ProxyContext context, Channel client, String name, byte[] answer, Promise<Outcome> outcome) {
    ClientAuthentication.authenticate(context, client, new Credentials.KerberosPrincipal(name))
        .addListener(
            (Future<AuthResult> login) -> {
              if (!login.isSuccess()) {
                log.warn("{}: mapping Kerberos principal {} failed", client, name, login.cause());
                outcome.trySuccess(new Outcome.LoginFailed(name));
              } else if (login.getNow() instanceof AuthResult.Authenticated ok) {
                log.debug("{}: Kerberos principal {} is {}", client, name, ok.principal().name());
                outcome.trySuccess(new Outcome.LoggedIn(ok.principal(), name, answer));
              } else {
                outcome.trySuccess(
                    new Outcome.PrincipalRefused(
                        ClientAuthentication.failureLabel(login.getNow()), name));
              }
            });
  }
}
