package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The monitoring subchart carries copies of infrastructure/monitoring's rule files and dashboards
 * (Helm packages only what lies inside a chart; sync-monitoring-files.sh copies them). The copies
 * must match the originals, and the rendered ConfigMaps and PrometheusRule must carry them whole.
 */
class MonitoringFilesTest {

  static Path chartFiles() {
    return RenderedChart.sourceDir().resolve("monitoring/files");
  }

  static Path monitoring() {
    return Path.of(System.getProperty("zcproxy.monitoring.dir")).toAbsolutePath().normalize();
  }

  static Map<String, String> read(Path dir, String glob) throws IOException {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (Stream<Path> paths = Files.list(dir)) {
      for (Path p : paths.toList()) {
        if (p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName())) {
          files.put(p.getFileName().toString(), Files.readString(p));
        }
      }
    }
    return files;
  }

  @Test
  void every_rule_file_and_dashboard_of_infrastructure_monitoring_is_copied_unchanged()
      throws IOException {
    Map<String, String> rules = read(monitoring(), "*rules*.yaml");
    rules.values().removeIf(text -> text.contains("rule_files:")); // promtool tests
    Map<String, String> copies = read(chartFiles().resolve("rules"), "*.yaml");
    rules.forEach(
        (name, text) ->
            assertThat(copies.get(name))
                .as("monitoring/files/rules/%s (run sync-monitoring-files.sh)", name)
                .isEqualTo(text));
    Map<String, String> dashboards = read(monitoring().resolve("dashboards"), "*.json");
    Map<String, String> dashboardCopies = read(chartFiles().resolve("dashboards"), "*.json");
    dashboards.forEach(
        (name, text) ->
            assertThat(dashboardCopies.get(name))
                .as("monitoring/files/dashboards/%s (run sync-monitoring-files.sh)", name)
                .isEqualTo(text));
    if (!rules.isEmpty() || !dashboards.isEmpty()) {
      assertThat(copies.keySet()).as("no stale rule copies").isEqualTo(rules.keySet());
      assertThat(dashboardCopies.keySet())
          .as("no stale dashboard copies")
          .isEqualTo(dashboards.keySet());
    }
  }

  @Test
  void prometheus_gets_every_rule_file_and_grafana_every_dashboard() throws IOException {
    var objects = RenderedChart.render("default");
    var rules = ConfigWiringTest.configMap(objects, "zc-prometheus-rules");
    assertThat(RenderedChart.map(rules, "data"))
        .isEqualTo(new TreeMap<>(read(chartFiles().resolve("rules"), "*rules*.yaml")));
    var dashboards = ConfigWiringTest.configMap(objects, "zc-grafana-dashboards");
    assertThat(RenderedChart.map(dashboards, "data"))
        .isEqualTo(new TreeMap<>(read(chartFiles().resolve("dashboards"), "*.json")));
  }

  @Test
  void the_scrape_config_finds_each_metrics_service_by_dns_under_the_rules_job_names() {
    var objects = RenderedChart.render("default");
    String yaml =
        (String)
            RenderedChart.map(ConfigWiringTest.configMap(objects, "zc-prometheus"), "data")
                .get("prometheus.yml");
    var config = RenderedChart.parse(yaml).getFirst();
    List<String> targets = new ArrayList<>();
    for (var job : RenderedChart.list(config, "scrape_configs")) {
      var sd = RenderedChart.list(job, "dns_sd_configs").getFirst();
      targets.add(job.get("job_name") + " " + sd.get("names") + ":" + sd.get("port"));
    }
    assertThat(targets)
        .containsExactly(
            "zcproxy-proxy [zc-proxy-metrics.zcproxy.svc.cluster.local]:9090",
            "zcproxy-state [zc-state-metrics.zcproxy.svc.cluster.local]:8080",
            "zcproxy-rabbitmq [zc-rabbitmq-headless.zcproxy.svc.cluster.local]:15692");
    var services =
        RenderedChart.ofKind(objects, "Service").stream().map(RenderedChart::name).toList();
    assertThat(services).contains("zc-proxy-metrics", "zc-state-metrics", "zc-rabbitmq-headless");
  }

  @Test
  void the_prometheus_rule_holds_every_group_of_every_rule_file() throws IOException {
    var rule = RenderedChart.ofKind(RenderedChart.render("operator"), "PrometheusRule").getFirst();
    List<Object> expected = new ArrayList<>();
    for (String text : read(chartFiles().resolve("rules"), "*rules*.yaml").values()) {
      expected.addAll(RenderedChart.list(RenderedChart.parse(text).getFirst(), "groups"));
    }
    assertThat(RenderedChart.list(RenderedChart.map(rule, "spec"), "groups"))
        .isNotEmpty()
        .isEqualTo(expected);
  }
}
