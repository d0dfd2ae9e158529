package dev.zcproxy.inbound.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zcproxy.domain.state.FieldProblem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the fields of a JSON object, collecting every problem (with its field path, like {@code
 * destinations[2]}) instead of stopping at the first, so one answer tells the client all that is
 * wrong. Domain parsers do the real validation; their messages become the problems.
 */
final class RequestReader {

  private final JsonNode root;
  private final List<FieldProblem> problems = new ArrayList<>();

  private RequestReader(JsonNode root) {
    this.root = root;
  }

  static RequestReader of(JsonNode root) {
    if (!root.isObject()) {
      throw Problems.invalid("", "expected a JSON object, got " + kind(root));
    }
    return new RequestReader(root);
  }

  /** Fields outside {@code writable} and {@code ignored} are problems; ignored ones are dropped. */
  RequestReader allow(Set<String> writable, Set<String> ignored) {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!writable.contains(name) && !ignored.contains(name)) {
        problem(name, "unknown field");
      }
    }
    return this;
  }

  Optional<String> text(String field, boolean required) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        problem(field, "required");
      }
      return Optional.empty();
    }
    if (!node.isTextual()) {
      problem(field, "expected a string, got " + kind(node));
      return Optional.empty();
    }
    return Optional.of(node.asText());
  }

  /** A text field run through a domain parser, whose refusal becomes the field's problem. */
  <T> Optional<T> parsed(String field, boolean required, Function<String, T> parser) {
    return text(field, required).flatMap(text -> parse(field, text, parser));
  }

  boolean bool(String field, boolean fallback) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (!node.isBoolean()) {
      problem(field, "expected true or false, got " + kind(node));
      return fallback;
    }
    return node.asBoolean();
  }

  OptionalInt integer(String field, boolean required) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        problem(field, "required");
      }
      return OptionalInt.empty();
    }
    if (!node.isInt()) {
      problem(field, "expected an integer, got " + kind(node));
      return OptionalInt.empty();
    }
    return OptionalInt.of(node.asInt());
  }

  /**
   * A list field, each element given to {@code element} with its path; absent or null is empty (a
   * required list must be present and non-empty). Elements that fail are left out, with their
   * problems recorded.
   */
  <T> List<T> list(String field, boolean required, Element<T> element) {
    JsonNode node = root.get(field);
    var values = new ArrayList<T>();
    if (node == null || node.isNull()) {
      if (required) {
        problem(field, "required");
      }
      return values;
    }
    if (!node.isArray()) {
      problem(field, "expected a list, got " + kind(node));
      return values;
    }
    if (required && node.isEmpty()) {
      problem(field, "at least one item is required");
      return values;
    }
    if (node.size() > 1000) {
      problem(field, "at most 1000 items");
      return values;
    }
    for (int i = 0; i < node.size(); i++) {
      element.read(node.get(i), field + "[" + i + "]").ifPresent(values::add);
    }
    return values;
  }

  /** An element that is a string run through a domain parser. */
  <T> Element<T> strings(Function<String, T> parser) {
    return (node, path) -> {
      if (!node.isTextual()) {
        problem(path, "expected a string, got " + kind(node));
        return Optional.empty();
      }
      return parse(path, node.asText(), parser);
    };
  }

  void problem(String field, String message) {
    problems.add(new FieldProblem(field, message));
  }

  boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Throws the collected problems, if any, as one 400 answer. */
  void throwIfInvalid() {
    if (!problems.isEmpty()) {
      throw Problems.invalid(problems);
    }
  }

  private <T> Optional<T> parse(String path, String text, Function<String, T> parser) {
    try {
      return Optional.of(parser.apply(text));
    } catch (IllegalArgumentException invalid) {
      problem(path, invalid.getMessage());
      return Optional.empty();
    }
  }

  static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT, POJO -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL, MISSING -> "null";
      case BINARY -> "binary data";
    };
  }

  @FunctionalInterface
  interface Element<T> {
    Optional<T> read(JsonNode node, String path);
  }
}
