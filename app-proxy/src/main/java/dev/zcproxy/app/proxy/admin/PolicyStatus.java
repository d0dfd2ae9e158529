package dev.zcproxy.app.proxy.admin;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code GET /policy} on the admin listener reports, so an operator or a test can compare the
 * proxy's policy with the database's.
 *
 * @param revision the revision in force (0 before any policy)
 * @param digest the policy's SHA-256 digest ({@code PolicyDigest}), empty before any policy
 * @param source {@code file} or {@code state-service}
 * @param origin where the policy in force came from: {@code file}, or for the state service {@code
 *     none}, {@code cache}, {@code snapshot}, {@code feed}
 * @param ageSeconds seconds since the policy was last confirmed with its source (the file read, a
 *     snapshot fetched or a change applied); -1 before that ever happened
 */
public record PolicyStatus(
    long revision, Optional<String> digest, String source, String origin, double ageSeconds) {

  public PolicyStatus {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(origin, "origin");
  }

  /** The JSON body; every value is a number, a fixed word or hex, so nothing needs escaping. */
  public String toJson() {
    return "{\"revision\":"
        + revision
        + ",\"digest\":"
        + digest.map(d -> "\"" + d + "\"").orElse("null")
        + ",\"source\":\""
        + source
        + "\",\"origin\":\""
        + origin
        + "\",\"ageSeconds\":"
        + String.format(Locale.ROOT, "%.3f", ageSeconds)
        + "}\n";
  }
}
