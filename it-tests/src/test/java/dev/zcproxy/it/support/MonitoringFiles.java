package dev.zcproxy.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What {@code infrastructure/monitoring/} holds, as the tests read it: the Prometheus rule files
 * ({@code *rules*.yaml}), the promtool test files beside them (YAML with {@code rule_files:} and
 * {@code tests:}), the scrape config and the Grafana dashboards under {@code dashboards/}.
 */
public final class MonitoringFiles {

  private static final Pattern ALERT = Pattern.compile("(?m)^\\s*- alert:\\s*(\\S+)\\s*$");
  private static final ObjectMapper JSON = new ObjectMapper();

  private MonitoringFiles() {}

  /** One query of one dashboard panel. */
  public record PanelQuery(String dashboard, String panel, String refId, String expr) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + " / " + refId + ": " + expr;
    }
  }

  public static Path directory() {
    Path dir =
        Path.of(System.getProperty("zcproxy.monitoringDir", "../infrastructure/monitoring"))
            .toAbsolutePath()
            .normalize();
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(dir + " is missing: run the tests from the it-tests module");
    }
    return dir;
  }

  public static Path scrapeConfig() {
    return directory().resolve("prometheus.yml");
  }

  public static List<Path> ruleFiles() {
    return list(directory(), name -> name.contains("rules") && name.endsWith(".yaml"));
  }

  public static List<Path> promtoolTestFiles() {
    return list(
        directory(),
        name -> name.endsWith(".yaml") && !name.contains("rules") && isPromtoolTest(name));
  }

  public static List<Path> dashboards() {
    return list(directory().resolve("dashboards"), name -> name.endsWith(".json"));
  }

  /** Every alert name the rule files define, in file order. */
  public static Set<String> alertNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Path file : ruleFiles()) {
      Matcher alert = ALERT.matcher(read(file));
      while (alert.find()) {
        names.add(alert.group(1));
      }
    }
    return names;
  }

  /**
   * The alerts some promtool test expects to fire: an {@code alertname:} whose {@code exp_alerts}
   * lists at least one alert (an {@code exp_labels} entry before the next {@code alertname:}).
   */
  public static Set<String> alertsTestedFiring() {
    Set<String> names = new LinkedHashSet<>();
    for (Path file : promtoolTestFiles()) {
      String[] chunks = read(file).split("alertname:");
      for (int i = 1; i < chunks.length; i++) {
        String chunk = chunks[i].strip();
        String name = chunk.split("\\s+", 2)[0];
        String expectation = chunk.split("- name:", 2)[0];
        if (expectation.contains("exp_labels:")) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /** Every query of every panel of every dashboard, rows' nested panels included. */
  public static List<PanelQuery> panelQueries() {
    List<PanelQuery> queries = new ArrayList<>();
    for (Path file : dashboards()) {
      JsonNode dashboard = parse(file);
      collect(dashboard.path("title").asText(file.getFileName().toString()), dashboard, queries);
    }
    return queries;
  }

  public static JsonNode parse(Path dashboard) {
    try {
      return JSON.readTree(dashboard.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + dashboard, e);
    }
  }

  private static void collect(String dashboard, JsonNode container, List<PanelQuery> queries) {
    for (JsonNode panel : container.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(
            new PanelQuery(
                dashboard,
                panel.path("title").asText(),
                target.path("refId").asText(),
                target.path("expr").asText()));
      }
      collect(dashboard, panel, queries);
    }
  }

  private static boolean isPromtoolTest(String name) {
    String text = read(directory().resolve(name));
    return text.contains("rule_files:") && text.contains("tests:");
  }

  private static List<Path> list(Path dir, java.util.function.Predicate<String> name) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> name.test(f.getFileName().toString())).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
