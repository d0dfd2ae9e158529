package dev.zcproxy.app.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Installs POSIX signal handlers ({@code sun.misc.Signal}, in the {@code jdk.unsupported} module
 * that every JDK resolves by default). A handler runs on the JVM's signal dispatcher thread.
 */
final class OsSignals implements Main.SignalInstaller {

  private static final Logger LOG = LoggerFactory.getLogger(OsSignals.class);

  @Override
  public boolean handle(String signal, Runnable action) {
    try {
      Signal.handle(new Signal(signal), ignored -> action.run());
      return true;
    } catch (IllegalArgumentException unavailable) {
      // E.g. a JVM run with -Xrs, or a signal the JVM keeps for itself.
      LOG.warn("cannot handle SIG{}: {}", signal, unavailable.getMessage());
      return false;
    }
  }
}
