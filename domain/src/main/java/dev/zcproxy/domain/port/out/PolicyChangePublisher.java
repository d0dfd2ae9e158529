package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.OutboxEntry;
import java.util.List;

/**
 * Hands committed policy changes to the broker that carries them to every proxy. The outbox relay
 * calls it with the unpublished entries in revision order and marks them published only after it
 * returns, so delivery is at least once; subscribers drop what they have already applied, and a
 * broker with duplicate detection (Artemis) drops a revision it has already taken.
 */
public interface PolicyChangePublisher extends AutoCloseable {

  /**
   * Publishes {@code entries} in the given order and returns once the broker has taken them all
   * durably.
   *
   * @throws BrokerUnavailableException when the broker cannot be reached or refused a message;
   *     none, some or all entries may have been published, so the caller publishes them again later
   */
  void publish(List<OutboxEntry> entries);

  /** Releases the connection; idempotent. */
  @Override
  void close();
}
