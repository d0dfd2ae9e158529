package dev.zcproxy.it.support;

/** Closing a test class's fixtures. */
public final class Closeables {
  private Closeables() {}

  /**
   * Closes each resource in order, skipping nulls (a fixture that never started), and goes on past
   * a failure so that one broken fixture does not leave the others running. The first failure is
   * thrown with the later ones suppressed.
   */
  public static void closeAll(AutoCloseable... resources) throws Exception {
    Exception first = null;
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
