package dev.zcproxy.domain.contract;

import static dev.zcproxy.domain.contract.StateFixtures.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.StoredUser;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@code UserRepository} must do; subclasses supply a fresh, empty store per test. */
public abstract class AbstractUserRepositoryContractTest {

  protected StorePorts store;

  /** A store with nothing in it. */
  protected abstract StorePorts emptyStore();

  @BeforeEach
  void openStore() {
    store = emptyStore();
  }

  @Test
  void insertedUserIsFoundWithEveryField() {
    StoredUser alice =
        new StoredUser(new User("alice", StateFixtures.HASH, Set.of("staff", "ops"), false), 7);
    store.writeAll(() -> store.users().insert(alice));

    assertThat(store.read(() -> store.users().find("alice"))).contains(alice);
    assertThat(store.read(() -> store.users().find("Alice"))).isEmpty();
  }

  @Test
  void updateReplacesPasswordGroupsStateAndVersion() {
    store.writeAll(() -> store.users().insert(user("alice", 1, "staff")));
    StoredUser changed =
        new StoredUser(new User("alice", new PasswordHash("{plain}x"), Set.of(), false), 2);
    store.writeAll(() -> store.users().update(changed));

    assertThat(store.read(() -> store.users().find("alice"))).contains(changed);
  }

  @Test
  void deleteRemovesOnlyThatUser() {
    store.writeAll(
        () -> {
          store.users().insert(user("alice", 1));
          store.users().insert(user("bob", 2));
        });
    store.writeAll(() -> store.users().delete("alice"));

    assertThat(store.read(() -> store.users().all()))
        .extracting(StoredUser::name)
        .containsExactly("bob");
  }

  @Test
  void listPagesInCodeUnitOrder() {
    List<String> names = List.of("carol", "Bob", "_x", "a.b", "alice", "9z", "dave@example");
    store.writeAll(() -> names.forEach(name -> store.users().insert(user(name, 1))));
    List<String> sorted = names.stream().sorted().toList();

    List<StoredUser> first = store.read(() -> store.users().list(Optional.empty(), 3));
    List<StoredUser> second = store.read(() -> store.users().list(Optional.of("_x"), 3));

    assertThat(first).extracting(StoredUser::name).containsExactlyElementsOf(sorted.subList(0, 3));
    assertThat(second)
        .extracting(StoredUser::name)
        .containsExactlyElementsOf(
            sorted.subList(sorted.indexOf("_x") + 1, sorted.indexOf("_x") + 4));
    assertThat(store.read(() -> store.users().all()))
        .extracting(StoredUser::name)
        .containsExactlyElementsOf(sorted);
  }

  @Test
  void groupsAreTheNamesUsersCarryWithTheirMembersInOrder() {
    store.writeAll(
        () -> {
          store.users().insert(user("carol", 1, "staff"));
          store.users().insert(user("alice", 1, "staff", "ops"));
          store.users().insert(user("bob", 1, "Admins"));
          store.users().insert(user("dave", 1));
        });

    assertThat(store.read(() -> store.users().groups(Optional.empty(), 10)))
        .containsExactly(
            new Group("Admins", List.of("bob")),
            new Group("ops", List.of("alice")),
            new Group("staff", List.of("alice", "carol")));
    assertThat(store.read(() -> store.users().groups(Optional.of("Admins"), 1)))
        .containsExactly(new Group("ops", List.of("alice")));
    assertThat(store.read(() -> store.users().group("staff")))
        .contains(new Group("staff", List.of("alice", "carol")));
    assertThat(store.read(() -> store.users().group("nobody"))).isEmpty();
  }

  @Test
  void refusesUseOutsideAUnitOfWork() {
    assertThatThrownBy(() -> store.users().find("alice")).isInstanceOf(IllegalStateException.class);
  }
}
