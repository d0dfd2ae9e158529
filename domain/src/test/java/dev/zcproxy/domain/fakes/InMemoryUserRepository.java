package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.UserRepository;
import dev.zcproxy.domain.state.Group;
import dev.zcproxy.domain.state.StoredUser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

final class InMemoryUserRepository implements UserRepository {

  private final InMemoryStore store;

  InMemoryUserRepository(InMemoryStore store) {
    this.store = store;
  }

  @Override
  public Optional<StoredUser> find(String name) {
    return Optional.ofNullable(store.current().users.get(name));
  }

  @Override
  public List<StoredUser> list(Optional<String> afterName, int limit) {
    var users = store.current().users;
    var tail = afterName.isPresent() ? users.tailMap(afterName.get(), false) : users;
    return tail.values().stream().limit(limit).toList();
  }

  @Override
  public List<StoredUser> all() {
    return List.copyOf(store.current().users.values());
  }

  @Override
  public void insert(StoredUser user) {
    var users = store.current().requireWritable().users;
    if (users.putIfAbsent(user.name(), user) != null) {
      throw new IllegalStateException("duplicate user " + user.name());
    }
  }

  @Override
  public void update(StoredUser user) {
    var users = store.current().requireWritable().users;
    if (users.replace(user.name(), user) == null) {
      throw new IllegalStateException("no user " + user.name());
    }
  }

  @Override
  public void delete(String name) {
    store.current().requireWritable().users.remove(name);
  }

  @Override
  public List<Group> groups(Optional<String> afterName, int limit) {
    var groups = allGroups();
    var tail = afterName.isPresent() ? groups.tailMap(afterName.get(), false) : groups;
    return tail.entrySet().stream()
        .limit(limit)
        .map(entry -> new Group(entry.getKey(), entry.getValue()))
        .toList();
  }

  @Override
  public Optional<Group> group(String name) {
    List<String> members = allGroups().get(name);
    return members == null ? Optional.empty() : Optional.of(new Group(name, members));
  }

  /** Members come out in name order because the users map is sorted by name. */
  private TreeMap<String, List<String>> allGroups() {
    var groups = new TreeMap<String, List<String>>();
    for (StoredUser user : store.current().users.values()) {
      for (String group : user.user().groups()) {
        groups.computeIfAbsent(group, g -> new ArrayList<>()).add(user.name());
      }
    }
    return groups;
  }
}
