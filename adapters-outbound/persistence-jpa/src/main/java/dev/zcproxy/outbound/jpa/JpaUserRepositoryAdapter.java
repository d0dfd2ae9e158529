package dev.zcproxy.outbound.jpa;

import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.port.out.UserRepository;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.StoredUser;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

final class JpaUserRepositoryAdapter implements UserRepository {

  /**
   * Groups are the names in users' {@code group_names}; each comes with its members, in byte order
   * like everything else. Member names cannot hold a comma (see {@code User.requireName}).
   */
  private static final String GROUPS =
      "SELECT g, string_agg(u.name, ',' ORDER BY u.name) FROM users u, unnest(u.group_names) AS g"
          + " %s GROUP BY g ORDER BY g COLLATE \"C\"";

  private final JpaUnitOfWork unitOfWork;

  JpaUserRepositoryAdapter(JpaUnitOfWork unitOfWork) {
    this.unitOfWork = unitOfWork;
  }

  @Override
  public Optional<StoredUser> find(String name) {
    return Optional.ofNullable(em().find(UserEntity.class, name))
        .map(JpaUserRepositoryAdapter::toDomain);
  }

  @Override
  public List<StoredUser> list(Optional<String> afterName, int limit) {
    var query =
        afterName.isPresent()
            ? em().createQuery(
                    "from User u where u.name > :after order by u.name", UserEntity.class)
                .setParameter("after", afterName.get())
            : em().createQuery("from User u order by u.name", UserEntity.class);
    return query
        .setMaxResults(limit)
        .getResultStream()
        .map(JpaUserRepositoryAdapter::toDomain)
        .toList();
  }

  @Override
  public List<StoredUser> all() {
    return em().createQuery("from User u order by u.name", UserEntity.class)
        .getResultStream()
        .map(JpaUserRepositoryAdapter::toDomain)
        .toList();
  }

  @Override
  public void insert(StoredUser user) {
    UserEntity entity = new UserEntity(user.name());
    copy(user, entity);
    em().persist(entity);
  }

  @Override
  public void update(StoredUser user) {
    UserEntity entity = em().find(UserEntity.class, user.name());
    if (entity == null) {
      throw new IllegalStateException("no user " + user.name());
    }
    copy(user, entity);
  }

  @Override
  public void delete(String name) {
    em().createQuery("delete from User u where u.name = :name")
        .setParameter("name", name)
        .executeUpdate();
  }

  @Override
  public List<Group> groups(Optional<String> afterName, int limit) {
    Query query =
        afterName.isPresent()
            ? em().createNativeQuery(GROUPS.formatted("WHERE g > ?1 COLLATE \"C\""))
                .setParameter(1, afterName.get())
            : em().createNativeQuery(GROUPS.formatted(""));
    return groups(query.setMaxResults(limit));
  }

  @Override
  public Optional<Group> group(String name) {
    Query query = em().createNativeQuery(GROUPS.formatted("WHERE g = ?1")).setParameter(1, name);
    return groups(query).stream().findFirst();
  }

  private static List<Group> groups(Query query) {
    @SuppressWarnings("unchecked")
    List<Object[]> rows = query.getResultList();
    return rows.stream()
        .map(row -> new Group((String) row[0], Arrays.asList(((String) row[1]).split(","))))
        .toList();
  }

  private static void copy(StoredUser user, UserEntity entity) {
    entity.passwordHash = user.user().password().encoded();
    entity.groupNames = RuleFields.sorted(user.user().groups());
    entity.enabled = user.user().enabled();
    entity.version = user.version();
  }

  private static StoredUser toDomain(UserEntity entity) {
    return new StoredUser(
        new User(
            entity.name,
            new PasswordHash(entity.passwordHash),
            Set.of(entity.groupNames),
            entity.enabled),
        entity.version);
  }

  private EntityManager em() {
    return unitOfWork.entityManager();
  }
}
