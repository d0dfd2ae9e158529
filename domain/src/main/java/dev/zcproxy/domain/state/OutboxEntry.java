package dev.zcproxy.domain.state;

import java.time.Instant;
import java.util.Objects;

/**
 * A policy change with its place in the history.
 *
 * @param revision from a sequence: increasing in commit order, with gaps where a transaction rolled
 *     back
 * @param previousRevision the revision of the change committed just before this one (0 for the
 *     first): the chain a proxy follows, which a gap in the numbers does not break
 */
public record OutboxEntry(
    long revision, long previousRevision, PolicyChange change, Instant createdAt) {

  public OutboxEntry {
    if (revision < 1 || previousRevision < 0 || previousRevision >= revision) {
      throw new IllegalArgumentException(
          "need 0 <= previousRevision < revision, got " + previousRevision + ", " + revision);
    }
    Objects.requireNonNull(change, "change");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
