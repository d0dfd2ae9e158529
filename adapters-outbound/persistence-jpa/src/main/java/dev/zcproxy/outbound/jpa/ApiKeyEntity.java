package dev.zcproxy.outbound.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity(name = "ApiKey")
@Table(name = "api_keys")
class ApiKeyEntity {

  @Id
  @Column(name = "id")
  String id;

  @Column(name = "name", nullable = false)
  String name;

  @Column(name = "scope", nullable = false)
  String scope;

  @Column(name = "secret_sha256", nullable = false)
  String secretSha256;

  @Column(name = "created_at", nullable = false)
  Instant createdAt;

  @Column(name = "expires_at")
  Instant expiresAt;

  @Column(name = "revoked_at")
  Instant revokedAt;

  @Column(name = "created_by", nullable = false)
  String createdBy;

  protected ApiKeyEntity() {}

  ApiKeyEntity(String id) {
    this.id = id;
  }
}
