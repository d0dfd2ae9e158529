package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.state.ApiKey;
import java.util.List;
import java.util.Optional;

final class InMemoryApiKeyRepository implements ApiKeyRepository {

  private final InMemoryStore store;

  InMemoryApiKeyRepository(InMemoryStore store) {
    this.store = store;
  }

  @Override
  public Optional<ApiKey> find(String id) {
    return Optional.ofNullable(store.current().apiKeys.get(id));
  }

  @Override
  public List<ApiKey> list(Optional<String> afterId, int limit) {
    var keys = store.current().apiKeys;
    var tail = afterId.isPresent() ? keys.tailMap(afterId.get(), false) : keys;
    return tail.values().stream().limit(limit).toList();
  }

  @Override
  public void insert(ApiKey key) {
    if (store.current().requireWritable().apiKeys.putIfAbsent(key.id(), key) != null) {
      throw new IllegalStateException("duplicate API key " + key.id());
    }
  }

  @Override
  public void update(ApiKey key) {
    if (store.current().requireWritable().apiKeys.replace(key.id(), key) == null) {
      throw new IllegalStateException("no API key " + key.id());
    }
  }
}
