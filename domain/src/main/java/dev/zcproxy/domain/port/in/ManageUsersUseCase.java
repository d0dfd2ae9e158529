package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.Deleted;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import dev.zcproxy.domain.state.StoredUser;
import java.util.Optional;

/**
 * Users and, derived from them, groups. Every change commits with its outbox entry and an audit
 * entry, or not at all. Passwords arrive in plain text and are stored only as slow hashes.
 */
public interface ManageUsersUseCase {

  /** Pages keyed by user name. */
  Page<StoredUser> users(PageRequest page);

  Optional<StoredUser> user(String name);

  /** Pages keyed by group name. */
  Page<Group> groups(PageRequest page);

  Optional<Group> group(String name);

  /** {@code Conflict} when the name is taken. */
  Outcome<StoredUser> create(CreateUserCommand command, Actor actor);

  /** {@code NotFound}, {@code VersionMismatch}. */
  Outcome<StoredUser> replace(ReplaceUserCommand command, Actor actor);

  /** {@code NotFound}, {@code VersionMismatch}, {@code Conflict} while a rule names the user. */
  Outcome<Deleted> delete(DeleteUserCommand command, Actor actor);
}
