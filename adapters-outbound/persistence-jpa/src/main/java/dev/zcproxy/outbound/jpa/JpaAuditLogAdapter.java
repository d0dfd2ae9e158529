package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.AuditEvent;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.OptionalLong;

final class JpaAuditLogAdapter implements AuditLog {

  private final JpaUnitOfWork unitOfWork;

  JpaAuditLogAdapter(JpaUnitOfWork unitOfWork) {
    this.unitOfWork = unitOfWork;
  }

  @Override
  public AuditEntry record(AuditEvent event) {
    AuditEntity entity = new AuditEntity();
    entity.at = event.at();
    entity.actor = event.actor();
    entity.action = event.action();
    entity.target = event.target();
    entity.revision = event.revision().isPresent() ? event.revision().getAsLong() : null;
    em().persist(entity); // an identity column: inserted now, so the id is known
    return new AuditEntry(entity.id, event);
  }

  @Override
  public List<AuditEntry> list(OptionalLong beforeId, int limit) {
    var query =
        beforeId.isPresent()
            ? em().createQuery(
                    "from AuditEntry a where a.id < :before order by a.id desc", AuditEntity.class)
                .setParameter("before", beforeId.getAsLong())
            : em().createQuery("from AuditEntry a order by a.id desc", AuditEntity.class);
    return query.setMaxResults(limit).getResultStream().map(JpaAuditLogAdapter::toDomain).toList();
  }

  private static AuditEntry toDomain(AuditEntity entity) {
    return new AuditEntry(
        entity.id,
        new AuditEvent(
            entity.at,
            entity.actor,
            entity.action,
            entity.target,
            entity.revision == null ? OptionalLong.empty() : OptionalLong.of(entity.revision)));
  }

  private EntityManager em() {
    return unitOfWork.entityManager();
  }
}
