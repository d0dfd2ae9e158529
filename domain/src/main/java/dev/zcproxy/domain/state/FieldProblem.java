package dev.zcproxy.domain.state;

import java.util.Objects;

/**
 * What is wrong with one field of a request.
 *
 * @param field where, e.g. {@code users[1]} or {@code position}
 */
public record FieldProblem(String field, String message) {
  public FieldProblem {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }
}
