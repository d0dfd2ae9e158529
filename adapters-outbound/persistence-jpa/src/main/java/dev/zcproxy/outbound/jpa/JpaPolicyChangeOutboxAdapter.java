package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.outbound.wire.PolicyChangeCodec;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;

/**
 * The outbox in {@code policy_outbox}, chained through the {@code policy_head} row that every write
 * unit of work has already locked.
 */
final class JpaPolicyChangeOutboxAdapter implements PolicyChangeOutbox {

  private final JpaUnitOfWork unitOfWork;
  private final PolicyChangeCodec json = new PolicyChangeCodec();

  JpaPolicyChangeOutboxAdapter(JpaUnitOfWork unitOfWork) {
    this.unitOfWork = unitOfWork;
  }

  @Override
  public OutboxEntry append(PolicyChange change, Instant at) {
    EntityManager em = em();
    long previous = headRevision();
    long revision =
        ((Number) em.createNativeQuery("SELECT nextval('policy_revision_seq')").getSingleResult())
            .longValue();
    OutboxEntry entry = new OutboxEntry(revision, previous, change, at);
    em.persist(new OutboxEntity(revision, previous, change.kind(), json.encode(change), at));
    em.createNativeQuery("UPDATE policy_head SET revision = ?1 WHERE id = 1")
        .setParameter(1, revision)
        .executeUpdate();
    return entry;
  }

  @Override
  public long headRevision() {
    return ((Number)
            em().createNativeQuery("SELECT revision FROM policy_head WHERE id = 1")
                .getSingleResult())
        .longValue();
  }

  @Override
  public List<OutboxEntry> unpublished(int limit) {
    return em().createQuery(
            "from OutboxEntry o where o.publishedAt is null order by o.revision",
            OutboxEntity.class)
        .setMaxResults(limit)
        .getResultStream()
        .map(
            entity ->
                new OutboxEntry(
                    entity.revision, entity.previousRevision, decode(entity), entity.createdAt))
        .toList();
  }

  /**
   * @throws IllegalStateException when the stored payload does not fit its kind: the outbox holds
   *     only what the codec wrote, so that is a bug or a hand edit
   */
  private PolicyChange decode(OutboxEntity entity) {
    try {
      return json.decode(entity.kind, entity.payload);
    } catch (IllegalArgumentException invalid) {
      throw new IllegalStateException(
          "outbox revision " + entity.revision + ": " + invalid.getMessage(), invalid);
    }
  }

  @Override
  public void markPublished(long revision, Instant at) {
    em().createQuery(
            "update OutboxEntry o set o.publishedAt = :at"
                + " where o.revision <= :revision and o.publishedAt is null")
        .setParameter("at", at)
        .setParameter("revision", revision)
        .executeUpdate();
  }

  private EntityManager em() {
    return unitOfWork.entityManager();
  }
}
