package dev.zcproxy.outbound.amqp;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/** Connection factories for {@code amqp://} and {@code amqps://} broker URLs. */
final class RabbitMqConnections {

  /** The durable fanout exchange every proxy's queue is bound to. */
  static final String DEFAULT_EXCHANGE = "zcproxy.policy";

  private static final Pattern EXCHANGE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,127}");

  private RabbitMqConnections() {}

  /**
   * A factory for {@code uri} without the client's own recovery (the adapters reconnect themselves,
   * so that a lost connection is reported and the subscription comes back exactly once). For {@code
   * amqps://} the JDK's default trust store and host-name verification apply.
   *
   * @throws IllegalArgumentException when {@code uri} is not an {@code amqp://} or {@code amqps://}
   *     URL; the message never holds the password
   */
  static ConnectionFactory factory(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme();
    if (!"amqp".equals(scheme) && !"amqps".equals(scheme)) {
      throw new IllegalArgumentException(
          "expected amqp://user:password@host:port/vhost (or amqps://), got scheme " + scheme);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("no host in the broker URL " + redacted(uri));
    }
    var factory = new ConnectionFactory();
    try {
      factory.setUri(uri);
      // The AMQP URI spec reads "amqp://host/" as the empty vhost, which no broker has; operators
      // mean the default one (write %2F to be explicit).
      if ("/".equals(uri.getRawPath()) || uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
        factory.setVirtualHost("/");
      }
      if ("amqps".equals(scheme)) {
        factory.useSslProtocol(SSLContext.getDefault());
        factory.enableHostnameVerification();
      }
    } catch (GeneralSecurityException | IllegalArgumentException bad) {
      throw new IllegalArgumentException(
          "bad broker URL " + redacted(uri) + ": " + bad.getMessage(), bad);
    }
    factory.setAutomaticRecoveryEnabled(false);
    factory.setTopologyRecoveryEnabled(false);
    factory.setConnectionTimeout(10_000);
    factory.setHandshakeTimeout(10_000);
    factory.setRequestedHeartbeat(15);
    return factory;
  }

  static String requireExchange(String exchange) {
    if (exchange == null || !EXCHANGE_NAME.matcher(exchange).matches()) {
      throw new IllegalArgumentException("not an exchange name: " + exchange);
    }
    return exchange;
  }

  static void declareExchange(Channel channel, String exchange) throws IOException {
    channel.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, true);
  }

  /** The URL without its user information, for messages and logs. */
  static String redacted(URI uri) {
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return uri.getScheme() + "://" + uri.getHost() + port + path;
  }

  /** The first message along the cause chain (the client wraps the broker's reason). */
  static String describe(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null) {
        return cause.getMessage();
      }
    }
    return failure.getClass().getSimpleName();
  }
}
