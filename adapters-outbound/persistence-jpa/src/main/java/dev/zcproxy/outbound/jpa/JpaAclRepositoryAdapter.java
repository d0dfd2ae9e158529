package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.PolicyText;
import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Optional;

/**
 * Rules with their positions. A shift renumbers a range of rows in one bulk update, which bypasses
 * the entity manager: pending changes are flushed before it, and managed entities are dropped after
 * it, so none is read back with a stale position.
 */
final class JpaAclRepositoryAdapter implements AclRepository {

  private final JpaUnitOfWork unitOfWork;

  JpaAclRepositoryAdapter(JpaUnitOfWork unitOfWork) {
    this.unitOfWork = unitOfWork;
  }

  @Override
  public Optional<StoredRule> find(RuleId id) {
    return Optional.ofNullable(em().find(RuleEntity.class, id.value()))
        .map(JpaAclRepositoryAdapter::toDomain);
  }

  @Override
  public List<StoredRule> list(int afterPosition, int limit) {
    return em().createQuery(
            "from Rule r where r.position > :after order by r.position", RuleEntity.class)
        .setParameter("after", afterPosition)
        .setMaxResults(limit)
        .getResultStream()
        .map(JpaAclRepositoryAdapter::toDomain)
        .toList();
  }

  @Override
  public List<StoredRule> all() {
    return em().createQuery("from Rule r order by r.position", RuleEntity.class)
        .getResultStream()
        .map(JpaAclRepositoryAdapter::toDomain)
        .toList();
  }

  @Override
  public int count() {
    return Math.toIntExact(
        em().createQuery("select count(r) from Rule r", Long.class).getSingleResult());
  }

  @Override
  public void insert(StoredRule rule) {
    shift(rule.position(), Integer.MAX_VALUE, +1);
    RuleEntity entity = new RuleEntity(rule.id().value());
    entity.position = rule.position();
    copy(rule, entity);
    em().persist(entity);
  }

  @Override
  public void replace(StoredRule rule) {
    copy(rule, require(rule.id()));
  }

  @Override
  public void move(RuleId id, int position, long version) {
    int from = require(id).position;
    if (position < from) {
      shift(position, from - 1, +1);
    } else if (position > from) {
      shift(from + 1, position, -1);
    }
    RuleEntity moved = require(id);
    moved.position = position;
    moved.version = version;
  }

  @Override
  public void delete(RuleId id) {
    RuleEntity entity = em().find(RuleEntity.class, id.value());
    if (entity != null) {
      int position = entity.position;
      em().remove(entity);
      shift(position + 1, Integer.MAX_VALUE, -1);
    }
  }

  @Override
  public PolicySettings settings() {
    SettingsEntity entity = em().find(SettingsEntity.class, SettingsEntity.ID);
    return new PolicySettings(entity.anonymous, entity.version);
  }

  @Override
  public void saveSettings(PolicySettings settings) {
    SettingsEntity entity = em().find(SettingsEntity.class, SettingsEntity.ID);
    entity.anonymous = settings.anonymous();
    entity.version = settings.version();
  }

  /** Adds {@code delta} to the positions {@code from..to} (inclusive). */
  private void shift(int from, int to, int delta) {
    EntityManager em = em();
    em.flush();
    em.createQuery(
            "update Rule r set r.position = r.position + :delta"
                + " where r.position >= :from and r.position <= :to")
        .setParameter("delta", delta)
        .setParameter("from", from)
        .setParameter("to", to)
        .executeUpdate();
    em.clear();
  }

  private RuleEntity require(RuleId id) {
    RuleEntity entity = em().find(RuleEntity.class, id.value());
    if (entity == null) {
      throw new IllegalStateException("no rule " + id);
    }
    return entity;
  }

  private static void copy(StoredRule stored, RuleEntity entity) {
    AclRule rule = stored.rule();
    entity.action = PolicyText.format(rule.action());
    entity.users = RuleFields.users(rule);
    entity.groups = RuleFields.groups(rule);
    entity.destinations = RuleFields.destinations(rule);
    entity.ports = RuleFields.ports(rule);
    entity.protocols = RuleFields.protocols(rule);
    entity.version = stored.version();
  }

  private static StoredRule toDomain(RuleEntity entity) {
    return new StoredRule(
        new RuleId(entity.id),
        entity.position,
        RuleFields.rule(
            entity.action,
            entity.users,
            entity.groups,
            entity.destinations,
            entity.ports,
            entity.protocols),
        entity.version);
  }

  private EntityManager em() {
    return unitOfWork.entityManager();
  }
}
