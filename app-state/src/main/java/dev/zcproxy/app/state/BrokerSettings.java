package dev.zcproxy.app.state;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/** Where the state service publishes policy changes. */
sealed interface BrokerSettings {

  /**
   * An Artemis broker inside the state service.
   *
   * @param listen {@code tcp://host:port} it accepts proxies (and the publisher) on
   * @param dataDirectory its journal; the duplicate-detection cache lives there
   */
  record Embedded(URI listen, Path dataDirectory) implements BrokerSettings {
    public Embedded {
      Objects.requireNonNull(listen, "listen");
      Objects.requireNonNull(dataDirectory, "dataDirectory");
    }
  }

  /**
   * A broker of its own: {@code tcp://host:port} for Artemis, {@code amqp://} or {@code amqps://}
   * for RabbitMQ.
   */
  record External(URI url) implements BrokerSettings {
    public External {
      Objects.requireNonNull(url, "url");
    }
  }
}
