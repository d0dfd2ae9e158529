package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helm itself: the dependency build, strict lint, rendering under each values set, the schemas. */
class ChartRenderTest {
  private static final Logger log = LoggerFactory.getLogger(ChartRenderTest.class);

  static final java.util.List<String> SETS = RenderedChart.VALUES_SETS;

  @Test
  void strict_lint_passes_with_the_subcharts() {
    LintResult result = new Helm(RenderedChart.umbrella()).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    assertThat(result.getMessages())
        .filteredOn(m -> m.contains("[WARNING]") || m.contains("[ERROR]"))
        .isEmpty();
  }

  @Test
  void the_umbrella_packages_with_its_subcharts_and_monitoring_files() throws Exception {
    java.nio.file.Path out = RenderedChart.workDir().resolve("package");
    java.nio.file.Files.createDirectories(out);
    new Helm(RenderedChart.umbrella()).packageIt().withDestination(out).call();
    java.nio.file.Path tgz = out.resolve("zcproxy-0.1.0.tgz");
    assertThat(tgz).exists();
    var names = new java.util.ArrayList<String>();
    try (var in = new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(tgz))) {
      byte[] all = in.readAllBytes();
      // tar: a 512-byte header per entry, the name in its first 100 bytes
      for (int at = 0; at + 512 <= all.length; ) {
        String name = new String(all, at, 100, java.nio.charset.StandardCharsets.US_ASCII).trim();
        name = name.indexOf(0) >= 0 ? name.substring(0, name.indexOf(0)) : name;
        if (name.isEmpty()) {
          break;
        }
        long size =
            Long.parseLong(
                new String(all, at + 124, 11, java.nio.charset.StandardCharsets.US_ASCII).trim(),
                8);
        names.add(name);
        at += 512 + (int) ((size + 511) / 512 * 512);
      }
    }
    assertThat(names)
        .contains(
            "zcproxy/Chart.yaml",
            "zcproxy/values.schema.json",
            "zcproxy/charts/proxy/Chart.yaml",
            "zcproxy/charts/state/Chart.yaml",
            "zcproxy/charts/postgresql/Chart.yaml",
            "zcproxy/charts/broker/Chart.yaml",
            "zcproxy/charts/monitoring/Chart.yaml");
    assertThat(names)
        .anyMatch(n -> n.matches("zcproxy/charts/monitoring/files/rules/.*rules.*\\.yaml"));
    assertThat(names)
        .anyMatch(n -> n.matches("zcproxy/charts/monitoring/files/dashboards/.*\\.json"));
  }

  @Test
  void a_cluster_older_than_1_29_is_refused() {
    assertThatThrownBy(
            () ->
                new Helm(RenderedChart.umbrella())
                    .template()
                    .withName(RenderedChart.RELEASE)
                    .withKubeVersion("v1.28.9")
                    .call())
        .hasMessageContaining("kubeVersion");
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void every_values_set_renders(String set) {
    var objects = RenderedChart.render(set);
    Map<String, Long> byKind =
        objects.stream()
            .collect(
                Collectors.groupingBy(
                    o -> (String) o.get("kind"), TreeMap::new, Collectors.counting()));
    log.info("{}-values.yaml: {} objects {}", set, objects.size(), byKind);
    assertThat(byKind).containsKeys("Deployment", "Service", "NetworkPolicy", "ConfigMap");
  }

  @Test
  void the_operator_set_renders_a_service_monitor_and_a_prometheus_rule_and_no_prometheus() {
    var objects = RenderedChart.render("operator");
    assertThat(RenderedChart.ofKind(objects, "ServiceMonitor")).hasSize(1);
    assertThat(RenderedChart.ofKind(objects, "PrometheusRule")).hasSize(1);
    assertThat(RenderedChart.workloads(objects))
        .extracting(RenderedChart::name)
        .doesNotContain("zc-prometheus")
        .contains("zc-grafana", "zc-artemis");
  }

  @Test
  void only_the_fast_path_sets_render_an_attachment() {
    for (String set : SETS) {
      boolean fast = set.equals("fastpath") || set.equals("sriov");
      assertThat(RenderedChart.ofKind(RenderedChart.render(set), "NetworkAttachmentDefinition"))
          .as(set)
          .hasSize(fast ? 1 : 0);
    }
  }

  @Test
  void the_external_set_renders_no_database_and_no_broker() {
    assertThat(RenderedChart.workloads(RenderedChart.render("external")))
        .extracting(RenderedChart::name)
        .containsExactlyInAnyOrder("zc-proxy", "zc-state", "zc-prometheus", "zc-grafana");
  }

  @Test
  void the_schema_refuses_zero_proxy_replicas() {
    assertThatThrownBy(() -> RenderedChart.template("default", Map.of("proxy.replicas", 0)))
        .hasMessageContaining("replicas")
        .hasMessageContaining("minimum");
  }

  @Test
  void the_schema_refuses_an_unknown_key_in_a_subchart_and_in_global() {
    assertThatThrownBy(() -> RenderedChart.template("default", Map.of("proxy.replica", 3)))
        .hasMessageContaining("replica");
    assertThatThrownBy(() -> RenderedChart.template("default", Map.of("global.networkPolicies", 1)))
        .hasMessageContaining("networkPolicies");
  }

  @Test
  void the_schema_refuses_a_latest_tag_and_a_bad_enum() {
    assertThatThrownBy(() -> RenderedChart.template("default", Map.of("state.image.tag", "latest")))
        .hasMessageContaining("tag");
    assertThatThrownBy(
            () -> RenderedChart.template("default", Map.of("global.broker.kind", "kafka")))
        .hasMessageContaining("kind");
  }

  @Test
  void validate_values_reports_every_cross_component_problem_at_once() {
    assertThatThrownBy(
            () ->
                RenderedChart.template(
                    "default",
                    Map.of(
                        "postgresql.enabled", false,
                        "broker.enabled", false)))
        .hasMessageContaining("postgresql.enabled=false needs global.externalDatabase.host")
        .hasMessageContaining("broker.enabled=false needs global.broker.kind=external");
  }

  @Test
  void validate_values_refuses_external_traffic_policy_on_a_cluster_ip_service() {
    assertThatThrownBy(
            () ->
                RenderedChart.template(
                    "default", Map.of("proxy.service.externalTrafficPolicy", "Local")))
        .hasMessageContaining("externalTrafficPolicy needs proxy.service.type");
  }
}
