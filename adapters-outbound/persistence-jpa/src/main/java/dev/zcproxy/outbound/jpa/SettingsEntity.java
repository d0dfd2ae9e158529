package dev.zcproxy.outbound.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The single row of policy-wide settings (id 1, created by the migration). */
@Entity(name = "Settings")
@Table(name = "policy_settings")
class SettingsEntity {

  static final short ID = 1;

  @Id
  @Column(name = "id")
  short id;

  @Column(name = "anonymous", nullable = false)
  boolean anonymous;

  @Column(name = "version", nullable = false)
  long version;

  protected SettingsEntity() {}
}
