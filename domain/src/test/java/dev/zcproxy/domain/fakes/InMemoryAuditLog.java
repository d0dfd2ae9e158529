package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.AuditEvent;
import java.util.List;
import java.util.OptionalLong;

final class InMemoryAuditLog implements AuditLog {

  private final InMemoryStore store;

  InMemoryAuditLog(InMemoryStore store) {
    this.store = store;
  }

  @Override
  public AuditEntry record(AuditEvent event) {
    AuditEntry entry = new AuditEntry(store.nextAuditId(), event);
    store.current().requireWritable().audit.put(entry.id(), entry);
    return entry;
  }

  @Override
  public List<AuditEntry> list(OptionalLong beforeId, int limit) {
    var audit = store.current().audit;
    var head = beforeId.isPresent() ? audit.headMap(beforeId.getAsLong(), false) : audit;
    return head.descendingMap().values().stream().limit(limit).toList();
  }
}
