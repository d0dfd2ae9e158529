package dev.zcproxy.domain.policy;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy snapshot in force. Connections read it with a single volatile load and never lock; a
 * reload swaps in a whole new snapshot, so a decision never sees half of an update.
 */
public final class ActivePolicy {

  private final AtomicReference<PolicySnapshot> current;

  public ActivePolicy(PolicySnapshot initial) {
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
  }

  public PolicySnapshot current() {
    return current.get();
  }

  /** Installs {@code next} unconditionally (a full reload, or a restore from local storage). */
  public void replace(PolicySnapshot next) {
    current.set(Objects.requireNonNull(next, "next"));
  }

  /**
   * Installs {@code next} only if its revision is higher than the current one, atomically, so that
   * two feeds racing (a broker delta and a periodic full fetch) cannot roll the policy back.
   *
   * @return whether {@code next} is now current
   */
  public boolean replaceIfNewer(PolicySnapshot next) {
    Objects.requireNonNull(next, "next");
    PolicySnapshot seen = current.get();
    while (next.revision() > seen.revision()) {
      PolicySnapshot witness = current.compareAndExchange(seen, next);
      if (witness == seen) {
        return true;
      }
      seen = witness;
    }
    return false;
  }
}
