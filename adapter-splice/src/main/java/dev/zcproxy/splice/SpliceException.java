package dev.zcproxy.splice;

import java.io.IOException;

/** A system call of the splice relay failed; carries the errno for logs and metrics. */
final class SpliceException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  SpliceException(String call, int errno) {
    super(call + " failed: " + Errno.name(errno));
    this.errno = errno;
  }

  int errno() {
    return errno;
  }
}
