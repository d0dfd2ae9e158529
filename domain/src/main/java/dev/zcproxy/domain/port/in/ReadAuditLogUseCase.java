package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.Page;
import java.util.OptionalLong;

/** Who changed what: newest first. */
public interface ReadAuditLogUseCase {

  /**
   * @param beforeId exclusive; empty for the newest entries. The page's next key is an entry id.
   */
  Page<AuditEntry> entries(OptionalLong beforeId, int limit);
}
