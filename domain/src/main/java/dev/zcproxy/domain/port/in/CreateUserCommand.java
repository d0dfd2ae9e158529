package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.model.User;
import java.util.Objects;
import java.util.Set;

/** A new user, with the password in plain text: it is hashed before anything is stored. */
public record CreateUserCommand(String name, String password, Set<String> groups, boolean enabled) {

  public CreateUserCommand {
    User.requireName(name, "user");
    Passwords.require(password);
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    groups.forEach(group -> User.requireName(group, "group"));
  }

  @Override
  public String toString() {
    return "CreateUserCommand[name=" + name + ", groups=" + groups + ", enabled=" + enabled + "]";
  }
}
