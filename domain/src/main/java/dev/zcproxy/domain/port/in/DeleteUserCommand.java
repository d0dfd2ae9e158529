package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.ExpectedVersion;
import java.util.Objects;

public record DeleteUserCommand(String name, ExpectedVersion expected) {
  public DeleteUserCommand {
    User.requireName(name, "user");
    Objects.requireNonNull(expected, "expected");
  }
}
