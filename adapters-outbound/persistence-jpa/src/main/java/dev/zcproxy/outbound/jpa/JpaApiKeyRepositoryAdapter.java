package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyScope;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Optional;

final class JpaApiKeyRepositoryAdapter implements ApiKeyRepository {

  private final JpaUnitOfWork unitOfWork;

  JpaApiKeyRepositoryAdapter(JpaUnitOfWork unitOfWork) {
    this.unitOfWork = unitOfWork;
  }

  @Override
  public Optional<ApiKey> find(String id) {
    return Optional.ofNullable(em().find(ApiKeyEntity.class, id))
        .map(JpaApiKeyRepositoryAdapter::toDomain);
  }

  @Override
  public List<ApiKey> list(Optional<String> afterId, int limit) {
    var query =
        afterId.isPresent()
            ? em().createQuery(
                    "from ApiKey k where k.id > :after order by k.id", ApiKeyEntity.class)
                .setParameter("after", afterId.get())
            : em().createQuery("from ApiKey k order by k.id", ApiKeyEntity.class);
    return query
        .setMaxResults(limit)
        .getResultStream()
        .map(JpaApiKeyRepositoryAdapter::toDomain)
        .toList();
  }

  @Override
  public void insert(ApiKey key) {
    ApiKeyEntity entity = new ApiKeyEntity(key.id());
    copy(key, entity);
    em().persist(entity);
  }

  @Override
  public void update(ApiKey key) {
    ApiKeyEntity entity = em().find(ApiKeyEntity.class, key.id());
    if (entity == null) {
      throw new IllegalStateException("no API key " + key.id());
    }
    copy(key, entity);
  }

  private static void copy(ApiKey key, ApiKeyEntity entity) {
    entity.name = key.name();
    entity.scope = key.scope().wireName();
    entity.secretSha256 = key.secretDigest();
    entity.createdAt = key.createdAt();
    entity.expiresAt = key.expiresAt().orElse(null);
    entity.revokedAt = key.revokedAt().orElse(null);
    entity.createdBy = key.createdBy();
  }

  private static ApiKey toDomain(ApiKeyEntity entity) {
    return new ApiKey(
        entity.id,
        entity.name,
        ApiKeyScope.fromWireName(entity.scope)
            .orElseThrow(() -> new IllegalStateException("unknown scope " + entity.scope)),
        entity.secretSha256,
        entity.createdAt,
        Optional.ofNullable(entity.expiresAt),
        Optional.ofNullable(entity.revokedAt),
        entity.createdBy);
  }

  private EntityManager em() {
    return unitOfWork.entityManager();
  }
}
