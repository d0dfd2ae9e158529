package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.PolicySigningKey;
import java.util.function.Supplier;

/**
 * Where the state service keeps its one policy signing key, readable by the state service only.
 * Runs its own transaction: use it outside any {@link UnitOfWork}.
 */
public interface PolicySigningKeyStore {

  /**
   * The stored key; when there is none yet, stores the one {@code generate} makes and returns it.
   * When several instances start at once, all of them get the same key (the first one stored).
   *
   * @throws StoreUnavailableException when the store cannot be reached
   */
  PolicySigningKey loadOrCreate(Supplier<PolicySigningKey> generate);
}
