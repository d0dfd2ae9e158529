package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.ExpectedVersion;
import java.util.Objects;

public record UpdateSettingsCommand(boolean anonymous, ExpectedVersion expected) {
  public UpdateSettingsCommand {
    Objects.requireNonNull(expected, "expected");
  }
}
