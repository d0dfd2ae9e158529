package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.ApiKey;
import java.util.List;
import java.util.Optional;

/** The stored API keys, in id order. Use inside a {@link UnitOfWork}. */
public interface ApiKeyRepository {

  Optional<ApiKey> find(String id);

  List<ApiKey> list(Optional<String> afterId, int limit);

  /** Stores a key whose id is not taken (the caller checked). */
  void insert(ApiKey key);

  /** Replaces the stored key of the same id: only its revocation ever changes. */
  void update(ApiKey key);
}
