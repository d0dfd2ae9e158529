package dev.zcproxy.inbound.netty.auth;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.server.ClientAddress;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Calls the authentication use case on behalf of a client channel.
 *
 * <p>A password check may cost a slow hash (a user's first login, an unknown user), hundreds of
 * milliseconds that would stall every connection sharing the event loop. So checks run on a small,
 * bounded pool, and the answer comes back on the client's event loop. When the pool's queue is full
 * the attempt fails as throttled, rather than queueing without bound under a login flood.
 */
public final class ClientAuthentication {

  /** Logins waiting for a hashing thread before new ones are turned away. */
  static final int QUEUE_CAPACITY = 1024;

  private static final AuthResult OVERLOADED = new AuthResult.Throttled(Duration.ofSeconds(1));

  private ClientAuthentication() {}

  /** The pool for {@link ProxyContext#authenticationExecutor()}: daemon threads, bounded queue. */
  public static ExecutorService newExecutor(int threads) {
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE_CAPACITY),
        new DefaultThreadFactory("zcproxy-auth", true),
        new ThreadPoolExecutor.AbortPolicy());
  }

  /** Login work that may block: a password hash, a Kerberos ticket. */
  @FunctionalInterface
  public interface Work<T> {
    T run() throws Exception;
  }

  /**
   * Runs {@code work} on the authentication pool, never on the event loop. The future completes on
   * the client's event loop: with the work's result, with what it threw, or with a {@link
   * RejectedExecutionException} when the pool's queue is full (the caller counts that as
   * throttled).
   */
  public static <T> Future<T> offEventLoop(ProxyContext context, Channel client, Work<T> work) {
    Promise<T> answer = client.eventLoop().newPromise();
    try {
      context
          .authenticationExecutor()
          .execute(
              () -> {
                try {
                  answer.trySuccess(work.run());
                } catch (Exception failed) {
                  answer.tryFailure(failed);
                }
              });
    } catch (RejectedExecutionException overloaded) {
      answer.tryFailure(overloaded);
    }
    return answer;
  }

  /**
   * Checks the credentials off the event loop. The future completes on the client's event loop,
   * with {@link AuthResult.Throttled} when the pool is full; it fails only on an unexpected error
   * in the use case, which the caller's listener logs as a rejected login.
   */
  public static Future<AuthResult> authenticate(
      ProxyContext context, Channel client, Credentials credentials) {
    AuthenticateCommand command = new AuthenticateCommand(credentials, source(client));
    Promise<AuthResult> answer = client.eventLoop().newPromise();
    offEventLoop(context, client, () -> context.authentication().authenticate(command))
        .addListener(
            (Future<AuthResult> done) -> {
              if (done.isSuccess()) {
                answer.trySuccess(done.getNow());
              } else if (done.cause() instanceof RejectedExecutionException) {
                answer.trySuccess(OVERLOADED);
              } else {
                answer.tryFailure(done.cause());
              }
            });
    return answer;
  }

  /**
   * The anonymous principal if the policy lets clients skip authentication, otherwise null.
   * Anonymous access hashes nothing, so it is decided right here on the event loop.
   */
  public static Principal anonymous(ProxyContext context, Channel client) {
    if (!context.authentication().anonymousAllowed()) {
      return null;
    }
    AuthResult result =
        context
            .authentication()
            .authenticate(new AuthenticateCommand(Credentials.NONE, source(client)));
    return result instanceof AuthResult.Authenticated ok ? ok.principal() : null;
  }

  /** The metrics label of a failed attempt, e.g. {@code bad_password} or {@code throttled}. */
  public static String failureLabel(AuthResult result) {
    return switch (result) {
      case AuthResult.Rejected rejected -> rejected.reason().name().toLowerCase(Locale.ROOT);
      case AuthResult.Throttled throttled -> "throttled";
      case AuthResult.Authenticated authenticated -> "none";
    };
  }

  private static InetAddress source(Channel client) {
    InetSocketAddress remote = ClientAddress.of(client);
    if (remote != null) {
      return remote.getAddress();
    }
    throw new IllegalStateException("client channel without an IP address: " + client);
  }
}
