package dev.zcproxy.app.state;

import dev.zcproxy.domain.port.out.UnitOfWork;
import java.util.function.Supplier;

/**
 * The store's unit of work, telling the outbox relay after every committed write, so a change is
 * published at once rather than at the next poll.
 */
final class CommitSignallingUnitOfWork implements UnitOfWork {

  private final UnitOfWork delegate;
  private final Runnable committed;

  CommitSignallingUnitOfWork(UnitOfWork delegate, Runnable committed) {
    this.delegate = delegate;
    this.committed = committed;
  }

  @Override
  public <T> T write(Supplier<T> work) {
    T result = delegate.write(work);
    committed.run();
    return result;
  }

  @Override
  public <T> T read(Supplier<T> work) {
    return delegate.read(work);
  }
}
