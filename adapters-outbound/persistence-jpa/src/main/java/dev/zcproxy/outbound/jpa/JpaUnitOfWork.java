package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.port.out.UnitOfWork;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import java.sql.Statement;
import java.util.function.Supplier;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One entity manager and one database transaction per unit of work, handed to the repositories
 * through a scoped value (so they need no parameter, and fail loudly outside a unit of work).
 *
 * <ul>
 *   <li>{@link #write}: READ COMMITTED, and the first statement locks the {@code policy_head} row,
 *       so write transactions run one at a time and commit in revision order.
 *   <li>{@link #read}: REPEATABLE READ, READ ONLY: every statement sees the snapshot taken at the
 *       first one, which is what makes a policy snapshot and its revision agree.
 * </ul>
 */
final class JpaUnitOfWork implements UnitOfWork {

  private static final Logger LOG = LoggerFactory.getLogger(JpaUnitOfWork.class);

  private static final ScopedValue<EntityManager> CURRENT = ScopedValue.newInstance();

  private final EntityManagerFactory factory;

  JpaUnitOfWork(EntityManagerFactory factory) {
    this.factory = factory;
  }

  @Override
  public <T> T write(Supplier<T> work) {
    return run(work, true);
  }

  @Override
  public <T> T read(Supplier<T> work) {
    return run(work, false);
  }

  /** The entity manager of the unit of work running on this thread. */
  EntityManager entityManager() {
    if (!CURRENT.isBound()) {
      throw new IllegalStateException("repository used outside a unit of work");
    }
    return CURRENT.get();
  }

  private <T> T run(Supplier<T> work, boolean writes) {
    if (CURRENT.isBound()) {
      throw new IllegalStateException("units of work do not nest");
    }
    try (EntityManager entityManager = factory.createEntityManager()) {
      EntityTransaction transaction = entityManager.getTransaction();
      try {
        transaction.begin();
        if (writes) {
          entityManager
              .createNativeQuery("SELECT revision FROM policy_head WHERE id = 1 FOR UPDATE")
              .getSingleResult();
        } else {
          entityManager
              .unwrap(Session.class)
              .doWork(
                  connection -> {
                    try (Statement statement = connection.createStatement()) {
                      statement.execute(
                          "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                    }
                  });
        }
        T result = ScopedValue.where(CURRENT, entityManager).call(work::get);
        transaction.commit();
        return result;
      } catch (RuntimeException failed) {
        rollBack(transaction, failed);
        throw StoreFailures.translate(failed);
      }
    }
  }

  private static void rollBack(EntityTransaction transaction, RuntimeException cause) {
    try {
      if (transaction.isActive()) {
        transaction.rollback();
      }
    } catch (RuntimeException rollbackFailed) {
      // The connection is likely gone too; the database rolls back what it had on its own.
      cause.addSuppressed(rollbackFailed);
      LOG.debug("rollback failed", rollbackFailed);
    }
  }
}
