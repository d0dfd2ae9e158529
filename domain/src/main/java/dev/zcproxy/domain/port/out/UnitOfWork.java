package dev.zcproxy.domain.port.out;

import java.util.function.Supplier;

/**
 * Runs work against the repositories as one transaction. Every repository and the outbox may be
 * used only inside {@link #write} or {@link #read}; outside they throw {@link
 * IllegalStateException}. Units of work do not nest.
 */
public interface UnitOfWork {

  /**
   * Runs {@code work} in one read-write transaction: everything it wrote commits when it returns,
   * and nothing does when it throws. Writes are serialized, one at a time in commit order, so that
   * a check made inside (a name is free, a version matches) still holds at commit, and outbox
   * revisions commit in increasing order.
   *
   * @throws StoreUnavailableException when the store cannot be reached
   */
  <T> T write(Supplier<T> work);

  /**
   * Runs {@code work} in a read-only transaction that sees one consistent state of everything,
   * however long it takes and whatever commits meanwhile.
   *
   * @throws StoreUnavailableException when the store cannot be reached
   */
  <T> T read(Supplier<T> work);
}
