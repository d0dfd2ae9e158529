package dev.zcproxy.domain.state;

import java.util.Objects;

/**
 * An audit event as recorded.
 *
 * @param id increasing in recording order
 */
public record AuditEntry(long id, AuditEvent event) {
  public AuditEntry {
    if (id < 1) {
      throw new IllegalArgumentException("id must be >= 1, got " + id);
    }
    Objects.requireNonNull(event, "event");
  }
}
