package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.MonitoringFiles;
import dev.zcproxy.it.support.MonitoringFiles.PanelQuery;
import dev.zcproxy.it.support.PrometheusServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The monitoring files checked by Debian's promtool: the rule files are valid, the promtool tests
 * beside them pass and make every alert fire at least once, the scrape config is valid, and every
 * dashboard panel queries zcproxy's own metrics. {@code PrometheusMonitoringIT} then runs them all
 * against a real Prometheus scraping the real jars.
 */
class MonitoringRulesTest {

  @Test
  void ruleFilesPassPromtoolCheck() {
    List<Path> rules = MonitoringFiles.ruleFiles();
    assertThat(rules).as("*rules*.yaml under %s", MonitoringFiles.directory()).isNotEmpty();
    for (Path file : rules) {
      Run check = promtool("check", "rules", file.toString());
      assertThat(check.status()).as(check.output()).isZero();
      assertThat(check.output()).contains("SUCCESS");
    }
  }

  @Test
  void promtoolTestsPass() {
    List<Path> tests = MonitoringFiles.promtoolTestFiles();
    assertThat(tests).as("promtool test files under %s", MonitoringFiles.directory()).isNotEmpty();
    for (Path file : tests) {
      Run test = promtool("test", "rules", file.toString());
      assertThat(test.status()).as(test.output()).isZero();
      assertThat(test.output()).contains("SUCCESS").doesNotContain("FAILED");
    }
  }

  @Test
  void everyAlertHasAPromtoolTestThatMakesItFire() {
    assertThat(MonitoringFiles.alertNames())
        .as("the alerts the issue asks for")
        .contains(
            "ZcproxyProxyDown",
            "ZcproxyProxyNotReady",
            "ZcproxyAuthFailureBurst",
            "ZcproxyPolicyStale",
            "ZcproxyPolicyPropagationStalled",
            "ZcproxyTlsCertificateExpiresSoon",
            "ZcproxySpliceErrors",
            "ZcproxyFileDescriptorsNearLimit",
            "ZcproxyStateApiErrors");
    assertThat(MonitoringFiles.alertsTestedFiring())
        .as("alerts with a promtool test expecting them to fire")
        .containsAll(MonitoringFiles.alertNames());
  }

  @Test
  void scrapeConfigPassesPromtoolCheck() {
    Run check = promtool("check", "config", MonitoringFiles.scrapeConfig().toString());
    assertThat(check.status()).as(check.output()).isZero();
  }

  @Test
  void everyDashboardPanelQueriesZcproxyMetrics() {
    assertThat(MonitoringFiles.dashboards()).hasSizeGreaterThanOrEqualTo(2);
    List<PanelQuery> queries = MonitoringFiles.panelQueries();
    assertThat(queries).isNotEmpty();
    assertThat(queries)
        .allSatisfy(query -> assertThat(query.expr()).as(query.toString()).contains("zcproxy_"));
    for (Path dashboard : MonitoringFiles.dashboards()) {
      for (var panel : MonitoringFiles.parse(dashboard).path("panels")) {
        assertThat(panel.path("targets").size())
            .as("%s: panel %s has a query", dashboard, panel.path("title"))
            .isPositive();
      }
    }
  }

  private record Run(int status, String output) {}

  private static Run promtool(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(PrometheusServer.binary("promtool").toString());
    command.addAll(List.of(arguments));
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(MonitoringFiles.directory().toFile())
              .redirectErrorStream(true)
              .start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish within 60 s");
      }
      return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
