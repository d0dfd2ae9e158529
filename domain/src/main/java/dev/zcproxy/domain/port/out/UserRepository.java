package dev.zcproxy.domain.port.out;

import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.StoredUser;
import java.util.List;
import java.util.Optional;

/**
 * The stored users. Names are unique and compared exactly; lists are in name order (by UTF-16 code
 * unit, which for the ASCII names users have is byte order). Use inside a {@link UnitOfWork}.
 */
public interface UserRepository {

  Optional<StoredUser> find(String name);

  /**
   * @param afterName exclusive; empty for the first page
   * @return at most {@code limit} users after {@code afterName}
   */
  List<StoredUser> list(Optional<String> afterName, int limit);

  List<StoredUser> all();

  /** Stores a user whose name is not taken (the caller checked, inside the same unit of work). */
  void insert(StoredUser user);

  /** Replaces the stored user of the same name (the caller checked it exists). */
  void update(StoredUser user);

  void delete(String name);

  /** The groups named by users, in name order, each with its members in name order. */
  List<Group> groups(Optional<String> afterName, int limit);

  Optional<Group> group(String name);
}
