package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each chart documents every value with {@code ## @param} and closes every object of its schema
 * with {@code additionalProperties: false}, so a misspelt key is refused, never ignored.
 */
class ValuesDocumentationTest {

  static final Pattern PARAM =
      Pattern.compile("^\\s*## @param ([A-Za-z0-9_.-]+) \\S", Pattern.MULTILINE);

  /**
   * Maps whose keys are the user's (labels, selectors, Kubernetes objects): documented as a whole.
   */
  static final Set<String> FREE_FORM =
      Set.of(
          "nodeSelector",
          "podAnnotations",
          "annotations",
          "labels",
          "ipam",
          "config.limits",
          "namespaceSelector",
          "podSelector");

  @ParameterizedTest
  @ValueSource(strings = {"zcproxy", "proxy", "state", "postgresql", "broker", "monitoring"})
  void every_value_has_a_param_line_and_every_param_line_a_value(String chart) throws IOException {
    Path dir = RenderedChart.sourceDir().resolve(chart);
    String text = Files.readString(dir.resolve("values.yaml"));
    Set<String> documented = new TreeSet<>();
    Matcher m = PARAM.matcher(text);
    while (m.find()) {
      documented.add(m.group(1));
    }
    Set<String> keys = new TreeSet<>();
    collect("", RenderedChart.parse(text).getFirst(), keys);
    List<String> undocumented = new ArrayList<>();
    for (String key : keys) {
      boolean covered = false;
      for (String prefix = key; !prefix.isEmpty(); prefix = parent(prefix)) {
        covered |= documented.contains(prefix);
      }
      if (!covered) {
        undocumented.add(key);
      }
    }
    assertThat(undocumented).as("values without ## @param in %s/values.yaml", chart).isEmpty();
    Set<String> allPaths = new TreeSet<>();
    for (String key : keys) {
      for (String prefix = key; !prefix.isEmpty(); prefix = parent(prefix)) {
        allPaths.add(prefix);
      }
    }
    assertThat(allPaths).as("@param lines naming no value").containsAll(documented);
  }

  @ParameterizedTest
  @ValueSource(strings = {"zcproxy", "proxy", "state", "postgresql", "broker", "monitoring"})
  void every_schema_object_with_properties_is_closed(String chart) throws IOException {
    JsonNode schema =
        NodeValidator.JSON.readTree(
            RenderedChart.sourceDir().resolve(chart).resolve("values.schema.json").toFile());
    List<String> open = new ArrayList<>();
    walk("", schema, open);
    assertThat(open).isEmpty();
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
  }

  static void walk(String path, JsonNode node, List<String> open) {
    if (node.has("properties")) {
      boolean isComponentSection = path.matches("/(proxy|state|postgresql|broker|monitoring)");
      if (!isComponentSection && !node.path("additionalProperties").isBoolean()) {
        open.add(path.isEmpty() ? "/" : path);
      }
      node.get("properties")
          .properties()
          .forEach(e -> walk(path + "/" + e.getKey(), e.getValue(), open));
    }
  }

  @SuppressWarnings("unchecked")
  static void collect(String prefix, Object node, Set<String> keys) {
    if (node instanceof Map<?, ?> map
        && !map.isEmpty()
        && !FREE_FORM.contains(last(prefix))
        && !FREE_FORM.contains(prefix)) {
      for (var entry : ((Map<String, Object>) map).entrySet()) {
        collect(
            prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey(),
            entry.getValue(),
            keys);
      }
    } else if (!prefix.isEmpty()) {
      keys.add(prefix);
    }
  }

  static String parent(String key) {
    int dot = key.lastIndexOf('.');
    return dot < 0 ? "" : key.substring(0, dot);
  }

  static String last(String key) {
    return key.substring(key.lastIndexOf('.') + 1);
  }
}
