package dev.zcproxy.domain.state;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One page of a list.
 *
 * @param next the key to ask for the following page with; empty on the last page
 */
public record Page<T>(List<T> items, Optional<String> next) {

  public Page {
    items = List.copyOf(Objects.requireNonNull(items, "items"));
    Objects.requireNonNull(next, "next");
  }

  /**
   * Cuts a list read with one item more than {@code limit}: that extra item only tells that there
   * is a next page, whose key is that of the last item kept.
   */
  public static <T> Page<T> of(List<T> readOneMore, int limit, Function<T, String> key) {
    if (readOneMore.size() <= limit) {
      return new Page<>(readOneMore, Optional.empty());
    }
    List<T> kept = readOneMore.subList(0, limit);
    return new Page<>(kept, Optional.of(key.apply(kept.getLast())));
  }
}
