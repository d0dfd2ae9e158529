package dev.zcproxy.app.proxy.policy;

import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ConfigKey;
import dev.zcproxy.domain.port.out.PolicyFeed;
import java.net.URI;
import java.util.List;

/**
 * Opens the broker subscription named by {@code policy.broker.url}. The broker adapters (Artemis,
 * RabbitMQ) plug in here; until they do, a configured broker is refused at startup rather than
 * silently ignored, and a proxy without one polls the snapshot every {@code policy.resyncInterval}.
 */
final class PolicyFeeds {

  private PolicyFeeds() {}

  /**
   * @throws ConfigException when no adapter serves the URL's scheme
   */
  static PolicyFeed open(URI broker) throws ConfigException {
    throw new ConfigException(
        List.of(
            "config key '"
                + ConfigKey.POLICY_BROKER_URL.path()
                + "': no broker adapter in this build serves "
                + broker.getScheme()
                + ":// URLs; leave it unset to poll the state service every"
                + " policy.resyncInterval"));
  }
}
