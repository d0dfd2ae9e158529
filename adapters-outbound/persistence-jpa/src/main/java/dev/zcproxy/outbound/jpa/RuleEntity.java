package dev.zcproxy.outbound.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

@Entity(name = "Rule")
@Table(name = "rules")
class RuleEntity {

  @Id
  @Column(name = "id")
  UUID id;

  @Column(name = "position", nullable = false)
  int position;

  @Column(name = "action", nullable = false)
  String action;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "subject_users", nullable = false)
  String[] users;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "subject_groups", nullable = false)
  String[] groups;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "destinations", nullable = false)
  String[] destinations;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "ports", nullable = false)
  String[] ports;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "protocols", nullable = false)
  String[] protocols;

  @Column(name = "version", nullable = false)
  long version;

  protected RuleEntity() {}

  RuleEntity(UUID id) {
    this.id = id;
  }
}
