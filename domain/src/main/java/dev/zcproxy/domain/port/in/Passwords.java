package dev.zcproxy.domain.port.in;

/** The rules for a new password, as typed by an operator. */
public final class Passwords {

  /** Long enough for any passphrase, short enough that hashing it costs nothing extra. */
  public static final int MAX_LENGTH = 1024;

  private Passwords() {}

  /**
   * @throws IllegalArgumentException when empty or longer than {@link #MAX_LENGTH} characters
   */
  public static String require(String password) {
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("password must not be empty");
    }
    if (password.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("password must be at most " + MAX_LENGTH + " characters");
    }
    return password;
  }
}
