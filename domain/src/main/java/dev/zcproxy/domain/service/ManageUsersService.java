package dev.zcproxy.domain.service;

import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.port.in.CreateUserCommand;
import dev.zcproxy.domain.port.in.DeleteUserCommand;
import dev.zcproxy.domain.port.in.ManageUsersUseCase;
import dev.zcproxy.domain.port.in.ReplaceUserCommand;
import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.port.out.UserRepository;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.Deleted;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import dev.zcproxy.domain.state.PolicyChange;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Manages users. Passwords are hashed before the unit of work starts: PBKDF2 is slow on purpose,
 * and writes are serialized, so hashing inside would hold every other writer up.
 */
public final class ManageUsersService implements ManageUsersUseCase {

  private final UnitOfWork unitOfWork;
  private final UserRepository users;
  private final AclRepository rules;
  private final Pbkdf2PasswordHasher hasher;
  private final PolicyJournal journal;

  public ManageUsersService(
      UnitOfWork unitOfWork,
      UserRepository users,
      AclRepository rules,
      PolicyChangeOutbox outbox,
      AuditLog audit,
      Pbkdf2PasswordHasher hasher,
      Clock clock) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.users = Objects.requireNonNull(users, "users");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.hasher = Objects.requireNonNull(hasher, "hasher");
    this.journal =
        new PolicyJournal(
            Objects.requireNonNull(outbox, "outbox"),
            Objects.requireNonNull(audit, "audit"),
            Objects.requireNonNull(clock, "clock"));
  }

  @Override
  public Page<StoredUser> users(PageRequest page) {
    return unitOfWork.read(
        () -> Page.of(users.list(page.after(), page.limit() + 1), page.limit(), StoredUser::name));
  }

  @Override
  public Optional<StoredUser> user(String name) {
    return unitOfWork.read(() -> users.find(name));
  }

  @Override
  public Page<Group> groups(PageRequest page) {
    return unitOfWork.read(
        () -> Page.of(users.groups(page.after(), page.limit() + 1), page.limit(), Group::name));
  }

  @Override
  public Optional<Group> group(String name) {
    return unitOfWork.read(() -> users.group(name));
  }

  @Override
  public Outcome<StoredUser> create(CreateUserCommand command, Actor actor) {
    String name = command.name();
    User user = new User(name, hash(command.password()), command.groups(), command.enabled());
    return unitOfWork.write(
        () -> {
          if (users.find(name).isPresent()) {
            return new Outcome.Conflict<>("user '" + name + "' already exists");
          }
          long revision =
              journal.record(new PolicyChange.UserPut(user), actor, "user.create", name);
          StoredUser stored = new StoredUser(user, revision);
          users.insert(stored);
          return new Outcome.Done<>(stored);
        });
  }

  @Override
  public Outcome<StoredUser> replace(ReplaceUserCommand command, Actor actor) {
    String name = command.name();
    Optional<PasswordHash> newPassword = command.password().map(this::hash);
    return unitOfWork.write(
        () -> {
          Optional<StoredUser> found = users.find(name);
          if (found.isEmpty()) {
            return notFound(name);
          }
          StoredUser current = found.get();
          if (!command.expected().matches(current.version())) {
            return new Outcome.VersionMismatch<>(current.version());
          }
          User user =
              new User(
                  name,
                  newPassword.orElse(current.user().password()),
                  command.groups(),
                  command.enabled());
          if (user.equals(current.user())) {
            return new Outcome.Done<>(current); // nothing to tell the proxies
          }
          long revision =
              journal.record(new PolicyChange.UserPut(user), actor, "user.replace", name);
          StoredUser stored = new StoredUser(user, revision);
          users.update(stored);
          return new Outcome.Done<>(stored);
        });
  }

  @Override
  public Outcome<Deleted> delete(DeleteUserCommand command, Actor actor) {
    String name = command.name();
    return unitOfWork.write(
        () -> {
          Optional<StoredUser> found = users.find(name);
          if (found.isEmpty()) {
            return notFound(name);
          }
          if (!command.expected().matches(found.get().version())) {
            return new Outcome.VersionMismatch<>(found.get().version());
          }
          List<String> naming =
              rules.all().stream()
                  .filter(rule -> rule.rule().users().contains(name))
                  .map(StoredRule::id)
                  .map(Object::toString)
                  .toList();
          if (!naming.isEmpty()) {
            return new Outcome.Conflict<>(
                "user '"
                    + name
                    + "' is named by rule(s) "
                    + String.join(", ", naming)
                    + ": change or delete them first");
          }
          long revision =
              journal.record(new PolicyChange.UserDeleted(name), actor, "user.delete", name);
          users.delete(name);
          return new Outcome.Done<>(new Deleted(revision));
        });
  }

  private PasswordHash hash(String password) {
    return new PasswordHash(hasher.hash(password));
  }

  private static <T> Outcome<T> notFound(String name) {
    return new Outcome.NotFound<>("no user '" + name + "'");
  }
}
