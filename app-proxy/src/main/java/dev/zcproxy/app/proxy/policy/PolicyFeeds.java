package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ConfigKey;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.outbound.amqp.RabbitMqPolicyFeed;
import dev.zcproxy.outbound.jms.ArtemisPolicyFeed;
import dev.zcproxy.outbound.wire.PolicyMessageVerifier;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Opens the broker subscription named by {@code policy.broker.url}: {@code tcp://host:port} is an
 * Artemis broker (the state service's embedded one by default), {@code amqp://} or {@code amqps://}
 * a RabbitMQ broker. The URL is checked when the config is loaded; the feed itself is opened once
 * the state service's signing key is known, because it accepts only messages signed with it.
 */
final class PolicyFeeds {

  private PolicyFeeds() {}

  /**
   * What opens the feed for {@code broker} once a verifier exists.
   *
   * @throws ConfigException when the URL names no broker this build serves, or is malformed
   */
  static Function<PolicyMessageVerifier, PolicyFeed> opener(URI broker) throws ConfigException {
    String scheme = broker.getScheme() == null ? "" : broker.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "tcp" -> {
        if (broker.getHost() == null || broker.getPort() < 0) {
          throw problem("an Artemis URL needs a host and a port: tcp://host:61616");
        }
        if (broker.getRawPath() != null && !broker.getRawPath().isEmpty()) {
          throw problem("an Artemis URL has no path: tcp://host:port");
        }
        return verifier -> ArtemisPolicyFeed.connect(broker, verifier);
      }
      case "amqp", "amqps" -> {
        if (broker.getHost() == null) {
          throw problem("a RabbitMQ URL needs a host: amqp://user:password@host:5672/vhost");
        }
        return verifier -> RabbitMqPolicyFeed.connect(broker, verifier);
      }
      default ->
          throw problem(
              "expected tcp://host:port (Artemis) or amqp://host:port (RabbitMQ), got scheme '"
                  + scheme
                  + "'");
    }
  }

  private static ConfigException problem(String message) {
    return new ConfigException(
        List.of("config key '" + ConfigKey.POLICY_BROKER_URL.path() + "': " + message));
  }
}
