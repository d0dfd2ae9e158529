package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.AuditEvent;
import java.util.List;
import java.util.OptionalLong;

/** Who changed what, through which API key. Append-only. Use inside a {@link UnitOfWork}. */
public interface AuditLog {

  AuditEntry record(AuditEvent event);

  /** Newest first: at most {@code limit} entries with an id below {@code beforeId}. */
  List<AuditEntry> list(OptionalLong beforeId, int limit);
}
