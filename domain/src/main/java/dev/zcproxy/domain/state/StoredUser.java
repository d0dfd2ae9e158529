package dev.zcproxy.domain.state;

import dev.zcproxy.domain.model.User;
import java.util.Objects;

/**
 * A user as the state service keeps it.
 *
 * @param version the policy revision that last changed this user: its ETag
 */
public record StoredUser(User user, long version) {

  public StoredUser {
    Objects.requireNonNull(user, "user");
    Versions.require(version);
  }

  public String name() {
    return user.name();
  }
}
