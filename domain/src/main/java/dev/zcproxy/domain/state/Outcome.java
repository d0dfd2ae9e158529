package dev.zcproxy.domain.state;

import java.util.List;
import java.util.Objects;

/** How a management command ended. Refusals are values, not exceptions. */
public sealed interface Outcome<T> {

  record Done<T>(T value) implements Outcome<T> {
    public Done {
      Objects.requireNonNull(value, "value");
    }
  }

  record NotFound<T>(String detail) implements Outcome<T> {}

  /** The command contradicts the current state: the name is taken, the user is still in use. */
  record Conflict<T>(String detail) implements Outcome<T> {}

  /** The writer's expected version is not the current one: it would overwrite a newer change. */
  record VersionMismatch<T>(long currentVersion) implements Outcome<T> {}

  /** The command is well formed but not acceptable in the current state (an unknown user...). */
  record Rejected<T>(List<FieldProblem> problems) implements Outcome<T> {
    public Rejected {
      problems = List.copyOf(problems);
      if (problems.isEmpty()) {
        throw new IllegalArgumentException("a rejection names at least one problem");
      }
    }

    public static <T> Rejected<T> of(String field, String message) {
      return new Rejected<>(List.of(new FieldProblem(field, message)));
    }
  }
}
