package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.state.FieldProblem;
import dev.zcproxy.domain.state.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The problems resources throw, and the mapping of domain outcomes to them. */
final class Problems {

  static final String BEARER_CHALLENGE = "Bearer realm=\"zcproxy-state\"";

  private Problems() {}

  static ProblemException invalid(List<FieldProblem> errors) {
    return new ProblemException(
        ProblemType.VALIDATION, "the request has invalid fields; see errors", errors, Map.of());
  }

  static ProblemException invalid(String field, String message) {
    return invalid(List.of(new FieldProblem(field, message)));
  }

  static ProblemException notFound(String detail) {
    return new ProblemException(ProblemType.NOT_FOUND, detail);
  }

  static ProblemException unauthorized(String detail, boolean invalidToken) {
    String challenge =
        invalidToken ? BEARER_CHALLENGE + ", error=\"invalid_token\"" : BEARER_CHALLENGE;
    return new ProblemException(
        ProblemType.UNAUTHORIZED, detail, List.of(), Map.of("WWW-Authenticate", challenge));
  }

  static ProblemException forbidden(String detail) {
    return new ProblemException(ProblemType.FORBIDDEN, detail);
  }

  static ProblemException throttled(Duration retryAfter) {
    long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    return new ProblemException(
        ProblemType.TOO_MANY_REQUESTS,
        "too many failed authentications from this address; retry after " + seconds + "s",
        List.of(),
        Map.of("Retry-After", Long.toString(seconds)));
  }

  static ProblemException preconditionRequired() {
    return new ProblemException(
        ProblemType.PRECONDITION_REQUIRED,
        "this change needs If-Match with the resource's ETag (or *), so it cannot overwrite a"
            + " change made since you read it");
  }

  static ProblemException tooLarge(int maxBytes) {
    return new ProblemException(
        ProblemType.PAYLOAD_TOO_LARGE, "the request body is larger than " + maxBytes + " bytes");
  }

  /** The value of a Done outcome; every other outcome becomes the problem that describes it. */
  static <T> T unwrap(Outcome<T> outcome) {
    return switch (outcome) {
      case Outcome.Done<T>(T value) -> value;
      case Outcome.NotFound<T>(String detail) -> throw notFound(detail);
      case Outcome.Conflict<T>(String detail) ->
          throw new ProblemException(ProblemType.CONFLICT, detail);
      case Outcome.VersionMismatch<T>(long current) ->
          throw new ProblemException(
              ProblemType.PRECONDITION_FAILED,
              "the resource changed since you read it: it is at version "
                  + current
                  + " now; read it again and retry",
              List.of(),
              Map.of("ETag", Etags.format(current)));
      case Outcome.Rejected<T>(List<FieldProblem> problems) -> throw invalid(problems);
    };
  }
}
