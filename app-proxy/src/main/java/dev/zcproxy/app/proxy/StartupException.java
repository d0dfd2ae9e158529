package dev.zcproxy.app.proxy;

/**
 * The configuration was fine but the environment refused it: a port in use, an address not on this
 * host. Main reports the message and exits with status 1.
 */
final class StartupException extends Exception {

  private static final long serialVersionUID = 1L;

  StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
