package dev.zcproxy.domain.port.out;

/**
 * The store cannot be reached now (the database is down, restarting, or out of connections). The
 * unit of work was rolled back; the same request may succeed later. Adapters translate their own
 * connection failures into this, so that callers can answer "try again" instead of "bug".
 */
public final class StoreUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
