package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import java.time.Instant;
import java.util.List;

/**
 * The transactional outbox of policy changes: each change is recorded in the same transaction as
 * the data it describes, so a change is published if and only if it committed. A relay later reads
 * the unpublished entries in revision order and hands them to the broker. Use inside a {@link
 * UnitOfWork}.
 */
public interface PolicyChangeOutbox {

  /**
   * Records a change under the next revision, chained to the current head revision, and makes it
   * the head. Only inside {@link UnitOfWork#write}.
   */
  OutboxEntry append(PolicyChange change, Instant at);

  /** The revision of the latest committed change; 0 before any. */
  long headRevision();

  /** The oldest entries not yet marked published, in revision order. */
  List<OutboxEntry> unpublished(int limit);

  /** Marks the entries up to and including {@code revision} as published. */
  void markPublished(long revision, Instant at);
}
