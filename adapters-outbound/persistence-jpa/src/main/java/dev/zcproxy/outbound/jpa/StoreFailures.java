package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.port.out.StoreUnavailableException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * Tells "the database is not there" from everything else. The former becomes the domain's {@link
 * StoreUnavailableException} (the API answers 503 and the same request may succeed later); the
 * latter stays what it is, a bug or a broken invariant.
 */
final class StoreFailures {

  /**
   * SQLSTATE values for "not reachable now": class 08 (connection exception) is matched by prefix;
   * these are the server-side ones (shutting down, crashed, starting, too many connections).
   */
  private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");

  private StoreFailures() {}

  static RuntimeException translate(RuntimeException failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLTransientConnectionException
          || cause instanceof org.hibernate.exception.JDBCConnectionException
          || (cause instanceof SQLException sql && isUnavailable(sql.getSQLState()))) {
        return new StoreUnavailableException(
            "the database cannot be reached: " + rootMessage(failure), failure);
      }
    }
    return failure;
  }

  static boolean isUnavailable(String sqlState) {
    return sqlState != null && (sqlState.startsWith("08") || UNAVAILABLE_STATES.contains(sqlState));
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
