package dev.zcproxy.domain.port.out;

/** The policy source did not give a snapshot now: unreachable, an error status, or a bad body. */
public final class PolicySourceUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PolicySourceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
