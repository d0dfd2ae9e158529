package dev.zcproxy.domain.service;

import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.AuditEvent;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.OptionalLong;

/**
 * Records one policy change twice, inside the caller's write unit of work: in the outbox (for the
 * proxies) and in the audit log (for people). Returns the new revision, which becomes the version
 * of whatever the change wrote.
 */
final class PolicyJournal {

  private final PolicyChangeOutbox outbox;
  private final AuditLog audit;
  private final Clock clock;

  PolicyJournal(PolicyChangeOutbox outbox, AuditLog audit, Clock clock) {
    this.outbox = outbox;
    this.audit = audit;
    this.clock = clock;
  }

  long record(PolicyChange change, Actor actor, String action, String target) {
    Instant now = now(clock);
    OutboxEntry entry = outbox.append(change, now);
    audit.record(
        new AuditEvent(now, actor.id(), action, target, OptionalLong.of(entry.revision())));
    return entry.revision();
  }

  /** Milliseconds are what every store keeps exactly. */
  static Instant now(Clock clock) {
    return truncate(clock.instant());
  }

  static Instant truncate(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS);
  }
}
