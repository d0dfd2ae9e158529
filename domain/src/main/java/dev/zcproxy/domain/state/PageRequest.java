package dev.zcproxy.domain.state;

import java.util.Optional;

/**
 * Which page of a list to read: at most {@code limit} items after the key {@code after} (exclusive;
 * empty for the first page). Each list says what its key is: a user or group name, a rule position,
 * an API key id, an audit entry id.
 */
public record PageRequest(Optional<String> after, int limit) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  public PageRequest {
    if (after == null) {
      throw new IllegalArgumentException("after must not be null (use Optional.empty())");
    }
    requireLimit(limit);
  }

  public static PageRequest first(int limit) {
    return new PageRequest(Optional.empty(), limit);
  }

  public static int requireLimit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ", got " + limit);
    }
    return limit;
  }
}
