package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import java.time.Instant;
import java.util.List;

final class InMemoryPolicyChangeOutbox implements PolicyChangeOutbox {

  private final InMemoryStore store;

  InMemoryPolicyChangeOutbox(InMemoryStore store) {
    this.store = store;
  }

  @Override
  public OutboxEntry append(PolicyChange change, Instant at) {
    InMemoryStore.State state = store.current().requireWritable();
    OutboxEntry entry = new OutboxEntry(store.nextRevision(), state.headRevision, change, at);
    state.outbox.put(entry.revision(), entry);
    state.headRevision = entry.revision();
    return entry;
  }

  @Override
  public long headRevision() {
    return store.current().headRevision;
  }

  @Override
  public List<OutboxEntry> unpublished(int limit) {
    InMemoryStore.State state = store.current();
    return state.outbox.values().stream()
        .filter(entry -> !state.published.containsKey(entry.revision()))
        .limit(limit)
        .toList();
  }

  @Override
  public void markPublished(long revision, Instant at) {
    InMemoryStore.State state = store.current().requireWritable();
    state.outbox.headMap(revision, true).keySet().forEach(r -> state.published.putIfAbsent(r, at));
  }
}
