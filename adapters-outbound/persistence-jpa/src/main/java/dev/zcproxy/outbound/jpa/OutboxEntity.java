package dev.zcproxy.outbound.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.ColumnTransformer;

@Entity(name = "OutboxEntry")
@Table(name = "policy_outbox")
class OutboxEntity {

  @Id
  @Column(name = "revision")
  long revision;

  @Column(name = "previous_revision", nullable = false)
  long previousRevision;

  @Column(name = "kind", nullable = false)
  String kind;

  /** JSON text in Java, {@code jsonb} in the database (queryable, and validated on insert). */
  @ColumnTransformer(write = "cast(? as jsonb)")
  @Column(name = "payload", nullable = false, columnDefinition = "jsonb")
  String payload;

  @Column(name = "created_at", nullable = false)
  Instant createdAt;

  @Column(name = "published_at")
  Instant publishedAt;

  protected OutboxEntity() {}

  OutboxEntity(long revision, long previousRevision, String kind, String payload, Instant at) {
    this.revision = revision;
    this.previousRevision = previousRevision;
    this.kind = kind;
    this.payload = payload;
    this.createdAt = at;
  }
}
