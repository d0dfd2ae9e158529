package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.state.FieldProblem;
import java.util.List;
import java.util.Map;

/**
 * A request refused with an RFC 9457 problem: thrown anywhere in the API, written by {@link
 * ProblemExceptionMapper}. No stack trace is filled in: this is an answer, not a failure.
 *
 * @param headers extra response headers ({@code WWW-Authenticate}, {@code Retry-After}, {@code
 *     ETag})
 */
final class ProblemException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ProblemType type;
  private final String detail;
  private final transient List<FieldProblem> errors;
  private final transient Map<String, String> headers;

  ProblemException(
      ProblemType type, String detail, List<FieldProblem> errors, Map<String, String> headers) {
    super(type.title() + ": " + detail, null, false, false);
    this.type = type;
    this.detail = detail;
    this.errors = List.copyOf(errors);
    this.headers = Map.copyOf(headers);
  }

  ProblemException(ProblemType type, String detail) {
    this(type, detail, List.of(), Map.of());
  }

  ProblemType type() {
    return type;
  }

  String detail() {
    return detail;
  }

  List<FieldProblem> errors() {
    return errors;
  }

  Map<String, String> headers() {
    return headers;
  }
}
