package dev.zcproxy.domain.state;

import dev.zcproxy.domain.model.User;
import java.util.List;
import java.util.Objects;

/**
 * A group exists by being named in a user's groups: it has no record of its own.
 *
 * @param members the names of the users in it, in name order, never empty
 */
public record Group(String name, List<String> members) {

  public Group {
    User.requireName(name, "group");
    members = List.copyOf(Objects.requireNonNull(members, "members"));
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a group exists only while a user is in it");
    }
  }
}
