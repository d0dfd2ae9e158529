package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port an orchestrator and Prometheus talk to. */
class AdminEndpointsIT {

  /** A sample line of the text exposition format: name, optional labels, value. */
  private static final Pattern SAMPLE =
      Pattern.compile("^(\\w+)(\\{[^}]*})? ([-+0-9.eE]+|NaN|[+-]Inf)$", Pattern.MULTILINE);

  @TempDir static Path workDir;

  static OriginServer origin;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    origin = OriginServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("AdminEndpointsIT")
            .policy(
                """
                anonymous: false
                users:
                  - { name: alice, password: "{plain}wonderland" }
                rules:
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                """)
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, origin);
  }

  @Test
  void healthAndReadinessAnswer200() {
    assertThat(proxy.admin("/healthz").statusCode()).isEqualTo(200);
    assertThat(proxy.admin("/readyz").statusCode()).isEqualTo(200);
    proxy.assertCleanLog();
  }

  @Test
  void metricsCountSocks5ConnectionsAndRelayedBytes() {
    for (int i = 0; i < 2; i++) {
      Curl.Result result =
          Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(origin.url("/hello"));
      assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    // The splice relay counts bytes once its splice(2) calls return, a moment after the client may
    // have them all: wait for the counts rather than read them once.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> metrics = proxy.admin("/metrics");

              assertThat(metrics.statusCode()).isEqualTo(200);
              assertThat(metrics.headers().firstValue("Content-Type"))
                  .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
              List<Sample> samples = samples(metrics.body());
              assertThat(samples)
                  .as("zcproxy_connections_total for socks5 in:%n%s", metrics.body())
                  .anySatisfy(
                      sample -> {
                        assertThat(sample.name()).isEqualTo("zcproxy_connections_total");
                        assertThat(sample.labels()).contains("protocol=\"socks5\"");
                        assertThat(sample.value()).isGreaterThanOrEqualTo(2);
                      });
              double relayedDownstream =
                  samples.stream()
                      .filter(sample -> sample.name().equals("zcproxy_bytes_relayed_total"))
                      .filter(sample -> sample.labels().contains("protocol=\"socks5\""))
                      .filter(sample -> sample.labels().contains("direction=\"downstream\""))
                      .mapToDouble(Sample::value)
                      .sum();
              assertThat(relayedDownstream)
                  .as("zcproxy_bytes_relayed_total downstream for socks5 in:%n%s", metrics.body())
                  .isGreaterThanOrEqualTo(OriginServer.HELLO_BODY.length() * 2);
              String relay = ProxyProcess.relayUnderTest();
              if (!relay.equals("auto")) {
                assertThat(samples)
                    .as("bytes carried by the %s relay in:%n%s", relay, metrics.body())
                    .anySatisfy(
                        sample -> {
                          assertThat(sample.name()).isEqualTo("zcproxy_bytes_relayed_total");
                          assertThat(sample.labels())
                              .contains("protocol=\"socks5\"", "relay=\"" + relay + "\"");
                          assertThat(sample.value())
                              .isGreaterThanOrEqualTo(OriginServer.HELLO_BODY.length());
                        });
              }
            });
    proxy.assertCleanLog();
  }

  @Test
  void metricsPassPromtoolWhereItIsInstalled() throws IOException, InterruptedException {
    Curl.Result result =
        Curl.socks5(proxy.port()).user("alice", "wonderland").fetch(origin.url("/hello"));
    assertThat(result.exitCode()).as(result.toString()).isZero();
    Path exposition =
        Files.writeString(workDir.resolve("metrics.txt"), proxy.admin("/metrics").body());

    // promtool is optional on a developer's machine (CI installs it); the text is checked anyway.
    if (isOnPath("promtool")) {
      Process promtool =
          new ProcessBuilder("promtool", "check", "metrics")
              .redirectInput(exposition.toFile())
              .redirectErrorStream(true)
              .start();
      String report = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // Exit 1 is a parse error. Exit 3 lists naming lints; the JVM metrics of the metrics library
      // draw some (process_cpu_time_ns_total), so lints are held against zcproxy_* names only.
      assertThat(promtool.exitValue()).as("promtool check metrics:%n%s", report).isIn(0, 3);
      assertThat(report.lines().filter(line -> line.startsWith("zcproxy_")))
          .as("promtool lints on zcproxy's own metrics")
          .isEmpty();
    }
    assertThat(Files.readAllLines(exposition))
        .allSatisfy(
            line ->
                assertThat(line.isEmpty() || line.startsWith("#") || SAMPLE.matcher(line).matches())
                    .as("exposition line: %s", line)
                    .isTrue());
    proxy.assertCleanLog();
  }

  private static boolean isOnPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private record Sample(String name, String labels, double value) {}

  private static List<Sample> samples(String exposition) {
    Matcher matcher = SAMPLE.matcher(exposition);
    return matcher
        .results()
        .map(
            match ->
                new Sample(
                    match.group(1),
                    match.group(2) == null ? "" : match.group(2),
                    Double.parseDouble(match.group(3).replace("Inf", "Infinity"))))
        .toList();
  }
}
