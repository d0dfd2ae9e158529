package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.state.ExpectedVersion;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Versions as strong entity tags ({@code "42"}), and {@code If-Match} back to an expected version.
 * Every change to an existing resource must carry {@code If-Match} (428 without it), so a client
 * cannot overwrite a change it has not seen; {@code If-Match: *} opts out knowingly.
 */
final class Etags {

  private static final Pattern STRONG = Pattern.compile("\"(\\d{1,18})\"");

  private Etags() {}

  static String format(long version) {
    return "\"" + version + "\"";
  }

  /**
   * @throws ProblemException 428 when absent, 400 when not {@code *} or one strong tag of ours
   */
  static ExpectedVersion requireIfMatch(String header) {
    if (header == null || header.isBlank()) {
      throw Problems.preconditionRequired();
    }
    String value = header.trim();
    if (value.equals("*")) {
      return ExpectedVersion.ANY;
    }
    Matcher matcher = STRONG.matcher(value);
    if (!matcher.matches()) {
      throw Problems.invalid(
          "If-Match", "expected * or one ETag as returned by this API, like \"42\"");
    }
    return ExpectedVersion.exactly(Long.parseLong(matcher.group(1)));
  }

  /** Whether {@code If-None-Match} names {@code version} (or is {@code *}). */
  static boolean noneMatchHits(String header, long version) {
    if (header == null) {
      return false;
    }
    String tag = format(version);
    for (String candidate : header.split(",")) {
      String trimmed = candidate.trim();
      if (trimmed.equals("*") || trimmed.equals(tag) || trimmed.equals("W/" + tag)) {
        return true;
      }
    }
    return false;
  }
}
