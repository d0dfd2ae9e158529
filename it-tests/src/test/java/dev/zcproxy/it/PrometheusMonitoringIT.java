package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.LiveStateService;
import dev.zcproxy.it.support.MonitoringFiles;
import dev.zcproxy.it.support.MonitoringFiles.PanelQuery;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.PrometheusServer;
import dev.zcproxy.it.support.ProxyProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring files against the real thing: Debian's Prometheus on loopback, with {@code
 * infrastructure/monitoring/prometheus.yml} (its static targets pointed at the test's ports) and
 * the rule files, scraping the real proxy jar and the real state service jar after real traffic.
 * Both targets are up, every rule evaluates without error, every query of every dashboard panel
 * runs and returns data, and stopping the state service fires {@code ZcproxyStateDown}.
 *
 * <p>Two changes to the copies Prometheus reads, both so that the test takes seconds rather than
 * minutes: the intervals are 1 s instead of 15 s, and every alert's {@code for:} is 2 s. The real
 * durations are what the promtool tests ({@link MonitoringRulesTest}) check.
 */
class PrometheusMonitoringIT {

  private static final Duration AWAIT = Duration.ofSeconds(60);
  private static final Pattern FOR_CLAUSE = Pattern.compile("(?m)^(?<key>\\s+for:\\s*)\\S+\\s*$");

  /** What Grafana puts in for its variables: a rate window over several 1 s scrapes, all. */
  private static final Map<String, String> GRAFANA_VARIABLES =
      Map.of("$__rate_interval", "10s", "$instance", ".*");

  @TempDir Path workDir;

  @Test
  void prometheusScrapesBothAppsRunsEveryPanelAndAlertsWhenTheStateServiceStops()
      throws IOException {
    try (OriginServer origin = OriginServer.start();
        LiveStateService state =
            LiveStateService.start(
                "monitoring",
                Map.of(
                    "ZCPROXY_STATE_EMBEDDED_BROKER",
                    "tcp://127.0.0.1:" + FreePorts.tcp(),
                    "ZCPROXY_STATE_BROKER_DATA_DIR",
                    workDir.resolve("artemis").toString()));
        ProxyProcess proxy = proxyFollowing(state)) {
      state.createUser("grace");
      state.createRule("grace", origin.port());
      makeTraffic(proxy, origin);

      Path config = writePrometheusConfig(proxy.adminPort(), state.process().port());
      try (PrometheusServer prometheus =
          PrometheusServer.start(config, Files.createDirectories(workDir.resolve("tsdb")))) {
        await("both targets up")
            .atMost(AWAIT)
            .untilAsserted(
                () -> {
                  assertThat(upOf(prometheus, "zcproxy-proxy")).isEqualTo("1");
                  assertThat(upOf(prometheus, "zcproxy-state")).isEqualTo("1");
                });
        // Traffic while Prometheus watches, so that rates have something to show.
        makeTraffic(proxy, origin);

        everyRuleEvaluatesWithoutError(prometheus);
        everyPanelQueryRunsAndReturnsData(prometheus);
        everyDashboardVariableHasValues(prometheus);
        assertThat(firingAlerts(prometheus)).as("nothing fires while all is well").isEmpty();

        assertThat(state.process().stop()).isZero();
        await("ZcproxyStateDown fires")
            .atMost(AWAIT)
            .untilAsserted(
                () -> assertThat(firingAlerts(prometheus)).containsExactly("ZcproxyStateDown"));
        assertThat(upOf(prometheus, "zcproxy-proxy")).isEqualTo("1");
      }
    }
  }

  private ProxyProcess proxyFollowing(LiveStateService state) {
    return ProxyProcess.builder(workDir.resolve("proxy"))
        .name("PrometheusMonitoringIT")
        // auto: the splice relay's meters exist too (the copy relay alone has none of them).
        .relay("auto")
        .policySection(
            """
            policy:
              stateService: { url: "http://127.0.0.1:%d", apiKey: "%s" }
              cacheFile: cache/policy.json
              resyncInterval: 1s"""
                .formatted(state.process().port(), state.proxyKey()))
        // TLS on, so that the certificate's expiry is exported.
        .extraConfigLine("tls:\n  selfSigned: true")
        .start();
  }

  /** A good SOCKS5 fetch, a wrong password, and a connection speaking no known protocol. */
  private static void makeTraffic(ProxyProcess proxy, OriginServer origin) throws IOException {
    await("grace is admitted")
        .atMost(AWAIT)
        .untilAsserted(
            () -> {
              Curl.Result ok =
                  Curl.socks5Hostname(proxy.port())
                      .user("grace", LiveStateService.PASSWORD)
                      .fetch(origin.url("localhost", "/hello"));
              assertThat(ok.exitCode()).as(ok.toString()).isZero();
            });
    Curl.Result refused =
        Curl.socks5Hostname(proxy.port())
            .user("grace", "not-her-password")
            .fetch(origin.url("localhost", "/hello"));
    assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
    try (Socket garbage = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      garbage.setSoTimeout(5_000);
      OutputStream out = garbage.getOutputStream();
      out.write(new byte[] {0x7f, 0x7f, 0x7f, 0x7f});
      out.flush();
      assertThat(garbage.getInputStream().read()).as("the proxy hangs up").isEqualTo(-1);
    }
    await("the refusals are counted")
        .atMost(AWAIT)
        .untilAsserted(
            () -> {
              assertThat(proxy.metricSum("zcproxy_auth_failures_total")).isPositive();
              assertThat(proxy.metricSum("zcproxy_connections_rejected_total")).isPositive();
            });
  }

  /**
   * The repository's scrape config and rule files, copied with the targets pointed at this test's
   * ports, 1 s intervals and 2 s {@code for:} clauses.
   */
  private Path writePrometheusConfig(int proxyAdminPort, int statePort) throws IOException {
    Path dir = Files.createDirectories(workDir.resolve("prometheus"));
    String config = MonitoringFiles.read(MonitoringFiles.scrapeConfig());
    config = replaceOnce(config, "zcproxy-proxy:9090", "127.0.0.1:" + proxyAdminPort);
    config = replaceOnce(config, "zcproxy-state:8080", "127.0.0.1:" + statePort);
    config = replaceOnce(config, "scrape_interval: 15s", "scrape_interval: 1s");
    config = replaceOnce(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
    for (Path rules : MonitoringFiles.ruleFiles()) {
      assertThat(config)
          .as("prometheus.yml loads %s", rules.getFileName())
          .contains(rules.getFileName().toString());
      String shortened = FOR_CLAUSE.matcher(MonitoringFiles.read(rules)).replaceAll("${key}2s");
      Files.writeString(dir.resolve(rules.getFileName()), shortened);
    }
    return Files.writeString(dir.resolve("prometheus.yml"), config);
  }

  private static String replaceOnce(String text, String from, String to) {
    assertThat(text).as("prometheus.yml has %s", from).containsOnlyOnce(from);
    return text.replace(from, to);
  }

  private static String upOf(PrometheusServer prometheus, String job) {
    JsonNode result = prometheus.query("up{job=\"" + job + "\"}").path("data").path("result");
    return result.size() == 1 ? result.get(0).path("value").get(1).asText() : "no target";
  }

  private static void everyRuleEvaluatesWithoutError(PrometheusServer prometheus) {
    await("every rule evaluated")
        .atMost(AWAIT)
        .untilAsserted(
            () -> {
              List<String> rules = new ArrayList<>();
              for (JsonNode group :
                  prometheus.getJson("/api/v1/rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                  String name = rule.path("name").asText();
                  assertThat(rule.path("health").asText())
                      .as("%s: %s", name, rule.path("lastError").asText())
                      .isEqualTo("ok");
                  rules.add(name);
                }
              }
              assertThat(rules).contains("ZcproxyStateDown", "zcproxy:connections:rate1m");
            });
  }

  private static void everyPanelQueryRunsAndReturnsData(PrometheusServer prometheus) {
    List<PanelQuery> queries = MonitoringFiles.panelQueries();
    assertThat(queries).hasSizeGreaterThan(10);
    for (PanelQuery query : queries) {
      String promql = query.expr();
      for (var variable : GRAFANA_VARIABLES.entrySet()) {
        promql = promql.replace(variable.getKey(), variable.getValue());
      }
      assertThat(promql).as("a Grafana variable left in %s", query).doesNotContain("$");
      String expression = promql;
      await(query.toString())
          .atMost(AWAIT)
          .untilAsserted(
              () -> {
                JsonNode answer = prometheus.query(expression);
                assertThat(answer.path("status").asText())
                    .as("%s: %s", query, answer.path("error").asText())
                    .isEqualTo("success");
                assertThat(answer.path("data").path("result").size())
                    .as("data for %s", query)
                    .isPositive();
              });
    }
  }

  /** The dashboards' {@code label_values(metric, instance)} variables list the scraped targets. */
  private static void everyDashboardVariableHasValues(PrometheusServer prometheus) {
    Pattern labelValues = Pattern.compile("label_values\\((\\w+), *(\\w+)\\)");
    for (Path dashboard : MonitoringFiles.dashboards()) {
      for (JsonNode variable : MonitoringFiles.parse(dashboard).path("templating").path("list")) {
        if (!"query".equals(variable.path("type").asText())) {
          continue;
        }
        var call = labelValues.matcher(variable.path("definition").asText());
        assertThat(call.matches()).as("%s: %s", dashboard, variable).isTrue();
        JsonNode values =
            prometheus.getJson(
                "/api/v1/label/"
                    + call.group(2)
                    + "/values?match[]="
                    + URLEncoder.encode(call.group(1), StandardCharsets.UTF_8));
        assertThat(values.path("data").size()).as("%s: %s", dashboard, variable).isPositive();
      }
    }
  }

  private static List<String> firingAlerts(PrometheusServer prometheus) {
    List<String> firing = new ArrayList<>();
    for (JsonNode alert : prometheus.getJson("/api/v1/alerts").path("data").path("alerts")) {
      if ("firing".equals(alert.path("state").asText())) {
        firing.add(alert.path("labels").path("alertname").asText());
      }
    }
    return firing;
  }
}
