package dev.zcproxy.outbound.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

@Entity(name = "User")
@Table(name = "users")
class UserEntity {

  @Id
  @Column(name = "name")
  String name;

  @Column(name = "password_hash", nullable = false)
  String passwordHash;

  @JdbcTypeCode(SqlTypes.ARRAY)
  @Column(name = "group_names", nullable = false)
  String[] groupNames;

  @Column(name = "enabled", nullable = false)
  boolean enabled;

  @Column(name = "version", nullable = false)
  long version;

  protected UserEntity() {}

  UserEntity(String name) {
    this.name = name;
  }
}
