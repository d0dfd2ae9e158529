package dev.zcproxy.app.proxy.config;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Parses the YAML of config and policy files into plain maps, lists and scalars: no custom tags, no
 * duplicate keys, a bounded document. Error messages name the line and column but never quote the
 * file's text, because a policy file holds passwords.
 */
public final class YamlDocuments {

  /** Far beyond any real config or policy file; bounds what a runaway file can cost. */
  private static final int MAX_CODE_POINTS = 16 * 1024 * 1024;

  private YamlDocuments() {}

  /**
   * @return the document's root: a {@link Map}, a {@link List}, a scalar, or {@code null} when the
   *     document is empty
   * @throws IllegalArgumentException when the text is not well-formed YAML
   */
  public static Object parse(byte[] content) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setCodePointLimit(MAX_CODE_POINTS);
    options.setAllowRecursiveKeys(false);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    try {
      return yaml.load(new String(content, StandardCharsets.UTF_8));
    } catch (MarkedYAMLException malformed) {
      throw new IllegalArgumentException(describe(malformed), malformed);
    } catch (YAMLException malformed) {
      throw new IllegalArgumentException("not valid YAML", malformed);
    }
  }

  /**
   * How a value looks in an error message: strings quoted, numbers and booleans as they are,
   * collections by their kind. Never use it for a secret.
   */
  public static String describe(Object value) {
    return switch (value) {
      case null -> "nothing";
      case String text -> "\"" + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + "\"";
      case Map<?, ?> ignored -> "a mapping";
      case List<?> ignored -> "a list";
      default -> String.valueOf(value);
    };
  }

  /** Like {@link #describe} but without the value: for passwords. */
  public static String describeKind(Object value) {
    return switch (value) {
      case null -> "nothing";
      case String ignored -> "a string";
      case Boolean ignored -> "a boolean";
      case Number ignored -> "a number";
      case Map<?, ?> ignored -> "a mapping";
      case List<?> ignored -> "a list";
      default -> "a " + value.getClass().getSimpleName();
    };
  }

  private static String describe(MarkedYAMLException malformed) {
    Mark mark = malformed.getProblemMark();
    String problem = malformed.getProblem() != null ? malformed.getProblem() : "not valid YAML";
    // The problem text of a few errors quotes a token; cut it at the first line break so that no
    // line of the file beyond the token is repeated.
    int newline = problem.indexOf('\n');
    if (newline >= 0) {
      problem = problem.substring(0, newline);
    }
    if (mark == null) {
      return "invalid YAML: " + problem;
    }
    return "invalid YAML at line "
        + (mark.getLine() + 1)
        + ", column "
        + (mark.getColumn() + 1)
        + ": "
        + problem;
  }
}
