package dev.zcproxy.outbound.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity(name = "AuditEntry")
@Table(name = "audit_log")
class AuditEntity {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  @Column(name = "id")
  Long id;

  @Column(name = "at", nullable = false)
  Instant at;

  @Column(name = "actor", nullable = false)
  String actor;

  @Column(name = "action", nullable = false)
  String action;

  @Column(name = "target", nullable = false)
  String target;

  @Column(name = "revision")
  Long revision;

  protected AuditEntity() {}
}
