package dev.zcproxy.domain.contract;

import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;

/**
 * One broker with a publisher and feeds on it, as the broker contract tests drive it. The raw
 * {@code send*} methods put a message on the broker past the publisher, the way an attacker who can
 * reach the broker (or a broken producer) would.
 */
public interface PolicyBrokerHarness extends AutoCloseable {

  /** The publisher under test (the same one on every call); the harness closes it. */
  PolicyChangePublisher publisher();

  /** A new, not yet started feed that trusts the publisher's key; the harness closes it. */
  PolicyFeed newFeed();

  /** Whether the broker itself drops a revision published a second time (Artemis does). */
  boolean dropsDuplicates();

  /** A well-formed message carrying the trusted key id, but signed with another key. */
  void sendForged(OutboxEntry entry);

  /** A well-formed message with a correct signature by a key the feed does not trust. */
  void sendSignedByUnknownKey(OutboxEntry entry);

  /** A well-formed message with no signature at all. */
  void sendUnsigned(OutboxEntry entry);

  /** A correctly signed message whose body is not JSON. */
  void sendMalformed();

  /** A correctly signed, well-formed message of a kind no one knows. */
  void sendUnknownKind(long revision, long previousRevision);

  /**
   * Cuts every client connection from the broker's side (or restarts the broker) and returns once
   * the broker takes connections again; clients must notice and reconnect on their own.
   */
  void breakConnections() throws Exception;

  @Override
  void close() throws Exception;
}
