package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.state.Page;
import dev.zcproxy.domain.state.PageRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code ?limit=&cursor=} paging: {@code limit} 1-{@value PageRequest#MAX_LIMIT} (default {@value
 * PageRequest#DEFAULT_LIMIT}; more is a 400, not a silent cut), {@code cursor} the opaque {@code
 * next} of the previous page. Lists answer {@code {"items": [...], "next": cursor-or-null}}.
 */
final class Paging {

  private Paging() {}

  public record PageBody<T>(List<T> items, String next) {}

  static int limit(String limit) {
    if (limit == null || limit.isBlank()) {
      return PageRequest.DEFAULT_LIMIT;
    }
    try {
      return PageRequest.requireLimit(Integer.parseInt(limit.trim()));
    } catch (IllegalArgumentException invalid) {
      throw Problems.invalid("limit", "must be an integer 1-" + PageRequest.MAX_LIMIT);
    }
  }

  /** The key inside a cursor; empty for the first page. */
  static Optional<String> after(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return Optional.empty();
    }
    try {
      String key = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (key.isEmpty() || key.length() > 255) {
        throw new IllegalArgumentException("bad length");
      }
      return Optional.of(key);
    } catch (IllegalArgumentException invalid) {
      throw Problems.invalid("cursor", "not a cursor this API handed out");
    }
  }

  static PageRequest request(String limit, String cursor) {
    return new PageRequest(after(cursor), limit(limit));
  }

  /** A cursor whose key must be a number (rule positions, audit ids). */
  static long numericAfter(String cursor, long none) {
    Optional<String> key = after(cursor);
    if (key.isEmpty()) {
      return none;
    }
    try {
      long value = Long.parseLong(key.get());
      if (value < 0) {
        throw new NumberFormatException("negative");
      }
      return value;
    } catch (NumberFormatException invalid) {
      throw Problems.invalid("cursor", "not a cursor this API handed out");
    }
  }

  static <T, B> PageBody<B> body(Page<T> page, Function<T, B> toBody) {
    return new PageBody<>(
        page.items().stream().map(toBody).toList(), page.next().map(Paging::cursor).orElse(null));
  }

  static String cursor(String key) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }
}
