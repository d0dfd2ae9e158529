package dev.zcproxy.app.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.app.proxy.policy.FilePolicyProvider;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {

  @TempDir Path directory;

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Readiness readiness = new Readiness();
  private final HttpClient client = HttpClient.newHttpClient();
  private AdminServer server;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    server =
        new AdminServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, readiness);
    InetSocketAddress bound = server.start();
    base = URI.create("http://127.0.0.1:" + bound.getPort());
  }

  @AfterEach
  void stop() {
    server.close();
    registry.close();
    client.close();
  }

  @Test
  void healthzIsOkWhileTheProcessRuns() throws Exception {
    HttpResponse<String> response = get("/healthz");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok\n");
  }

  @Test
  void readyzFollowsTheProxysState() throws Exception {
    assertThat(get("/readyz").statusCode()).isEqualTo(503);

    readiness.policyLoaded();
    HttpResponse<String> policyOnly = get("/readyz");
    assertThat(policyOnly.statusCode()).isEqualTo(503);
    assertThat(policyOnly.body()).isEqualTo("listener not bound\n");

    readiness.listenerBound();
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ok\n");

    readiness.draining();
    HttpResponse<String> draining = get("/readyz");
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.body()).isEqualTo("draining\n");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void zcproxyReadyOnMetricsSaysWhatReadyzSays() throws Exception {
    readiness.bindMetrics(registry);
    assertThat(get("/metrics").body()).contains("zcproxy_ready 0.0\n");

    readiness.policyLoaded();
    readiness.listenerBound();
    assertThat(get("/metrics").body()).contains("zcproxy_ready 1.0\n");

    readiness.draining();
    assertThat(get("/metrics").body()).contains("zcproxy_ready 0.0\n");
  }

  @Test
  void metricsArePrometheusText() throws Exception {
    Path file =
        Files.writeString(
            directory.resolve("policy.yaml"),
            "users: [{ name: alice, password: \"{plain}a\" }]\nrules: []\n");
    Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);
    ProcessMetrics.bind(registry);
    FilePolicyProvider.load(file, clock).bindMetrics(registry);
    System.gc(); // only the registry holds the watcher now: its gauges must not read NaN

    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .contains("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body())
        .contains("zcproxy_policy_revision 1.0")
        .contains("zcproxy_policy_loaded_timestamp_seconds 1.7E9")
        .contains("jvm_memory_used_bytes")
        .contains("jvm_threads_live_threads")
        .contains("system_cpu_count")
        .contains("process_uptime_seconds")
        .contains("process_files_open_files");
  }

  @Test
  void policyReportsRevisionDigestSourceAndAge() throws Exception {
    var status = new PolicyStatus(7, Optional.of("ab".repeat(32)), "state-service", "feed", 1.5);
    try (var withPolicy =
        new AdminServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            readiness,
            () -> status)) {
      int port = withPolicy.start().getPort();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/policy"))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(response.body())
          .isEqualTo(
              "{\"revision\":7,\"digest\":\""
                  + "ab".repeat(32)
                  + "\",\"source\":\"state-service\",\"origin\":\"feed\",\"ageSeconds\":1.500}\n");
    }
    assertThat(get("/policy").statusCode()).isEqualTo(404); // no policy supplier here
  }

  @Test
  void unknownPathsAre404() throws Exception {
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/healthz/extra").statusCode()).isEqualTo(404);
  }

  @Test
  void otherMethodsAre405() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(base.resolve("/readyz"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).contains("GET");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
