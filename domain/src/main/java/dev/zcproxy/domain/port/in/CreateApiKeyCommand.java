package dev.zcproxy.domain.port.in;

import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.ApiKeyScope;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * @param expiresAt when the key stops working; empty for never
 */
public record CreateApiKeyCommand(String name, ApiKeyScope scope, Optional<Instant> expiresAt) {
  public CreateApiKeyCommand {
    ApiKey.requireName(name);
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
