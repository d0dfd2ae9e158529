package dev.zcproxy.domain.port.out;

/**
 * The message broker cannot be reached now, or refused an operation. Whatever was being published
 * or consumed may be retried later; adapters translate their client library's failures into this.
 */
public final class BrokerUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
