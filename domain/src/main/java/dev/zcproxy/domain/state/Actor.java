package dev.zcproxy.domain.state;

import java.util.Objects;

/**
 * Who makes a change, for the audit log: an API key (by its public id) or the service itself.
 *
 * @param id an API key id, or {@code system} for changes the service makes on its own (installing
 *     the bootstrap key)
 */
public record Actor(String id) {

  public static final Actor SYSTEM = new Actor("system");

  public Actor {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty() || id.length() > 64) {
      throw new IllegalArgumentException("actor id must be 1-64 characters");
    }
  }

  public static Actor apiKey(ApiKey key) {
    return new Actor(key.id());
  }
}
