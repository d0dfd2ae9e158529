package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.access.AccessRecord;

/**
 * Where the proxy tells each finished access and each refusal, one {@link AccessRecord} a line.
 * Called from event loops: an implementation must never block, and drops a line rather than wait.
 */
public interface AccessLog {

  /** The log of a proxy that keeps none. */
  AccessLog DISABLED =
      new AccessLog() {
        @Override
        public void log(AccessRecord record) {}

        @Override
        public boolean enabled() {
          return false;
        }
      };

  void log(AccessRecord record);

  /** False when lines are thrown away, so callers may skip building them. */
  default boolean enabled() {
    return true;
  }
}
