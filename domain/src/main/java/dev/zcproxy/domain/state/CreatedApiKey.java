package dev.zcproxy.domain.state;

import java.util.Objects;

/** A new key and the only copy of its secret, to hand to the client once. */
public record CreatedApiKey(ApiKey key, ApiKeyToken token) {
  public CreatedApiKey {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
  }
}
