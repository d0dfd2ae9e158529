package dev.zcproxy.splice;

/**
 * The errno values the relay tells apart, with their names for logs and metric labels. Numbers are
 * the generic Linux ones (x86_64 and aarch64).
 */
final class Errno {
  static final int EPERM = 1;
  static final int EINTR = 4;
  static final int EBADF = 9;
  static final int EAGAIN = 11;
  static final int ENOMEM = 12;
  static final int EINVAL = 22;
  static final int ENFILE = 23;
  static final int EMFILE = 24;
  static final int EPIPE = 32;
  static final int ENOSYS = 38;
  static final int ENETUNREACH = 101;
  static final int ECONNABORTED = 103;
  static final int ECONNRESET = 104;
  static final int ENOTCONN = 107;
  static final int ETIMEDOUT = 110;
  static final int EHOSTUNREACH = 113;

  private Errno() {}

  /** {@code ECONNRESET}, ...; an errno this class does not know is {@code errno-<n>}. */
  static String name(int errno) {
    return switch (errno) {
      case EPERM -> "EPERM";
      case EINTR -> "EINTR";
      case EBADF -> "EBADF";
      case EAGAIN -> "EAGAIN";
      case ENOMEM -> "ENOMEM";
      case EINVAL -> "EINVAL";
      case ENFILE -> "ENFILE";
      case EMFILE -> "EMFILE";
      case EPIPE -> "EPIPE";
      case ENOSYS -> "ENOSYS";
      case ENETUNREACH -> "ENETUNREACH";
      case ECONNABORTED -> "ECONNABORTED";
      case ECONNRESET -> "ECONNRESET";
      case ENOTCONN -> "ENOTCONN";
      case ETIMEDOUT -> "ETIMEDOUT";
      case EHOSTUNREACH -> "EHOSTUNREACH";
      default -> "errno-" + errno;
    };
  }
}
