package dev.zcproxy.outbound.jpa;

/**
 * The store could not be opened: the database is unreachable, refuses the login, or a migration
 * failed.
 */
public final class PersistenceStartException extends Exception {

  private static final long serialVersionUID = 1L;

  PersistenceStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
