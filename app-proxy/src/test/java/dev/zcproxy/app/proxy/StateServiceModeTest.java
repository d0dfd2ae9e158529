package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.zcproxy.app.proxy.config.ConfigException;
import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy following a local HTTP server that answers like the state service: ready only with a
 * policy, polling for changes, and serving from its cache file when the service is gone.
 */
class StateServiceModeTest {

  private static final String KEY = "zcp_proxy_test_key";
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @TempDir Path directory;

  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer state;
  private volatile long revision = 2;
  private volatile boolean withRule = true;

  @AfterEach
  void stop() {
    if (state != null) {
      state.stop(0);
    }
    client.close();
  }

  private int startStateService() throws IOException {
    state = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    state.createContext("/api/v1/policy/snapshot", this::snapshot);
    state.start();
    return state.getAddress().getPort();
  }

  private void snapshot(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!("Bearer " + KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      String tag = "\"" + revision + "\"";
      exchange.getResponseHeaders().set("ETag", tag);
      if (tag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
        exchange.sendResponseHeaders(304, -1);
        return;
      }
      String rules =
          withRule
              ? """
                [{"id":"3f0c6a52-4d0e-4a55-9d7e-000000000001","position":1,"action":"allow",
                  "users":["alice"],"groups":[],"destinations":["127.0.0.0/8"],"ports":[],
                  "protocols":[],"version":2}]"""
              : "[]";
      byte[] body =
          ("""
           {"revision":%d,"anonymous":false,
            "users":[{"name":"alice","groups":[],"enabled":true,"version":1,
                      "passwordHash":"{plain}wonderland"}],
            "rules":%s}"""
                  .formatted(revision, rules))
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  private ProxyConfig config(int statePort, String extra) throws Exception {
    Path file =
        Files.writeString(
            directory.resolve("zcproxy.yaml"),
            """
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            relay: copy
            policy:
              stateService: { url: "http://127.0.0.1:%d", apiKey: %s, requestTimeout: 5s }
              cacheFile: cache.json
              resyncInterval: 200ms
            %s
            shutdown: { drainTimeout: 0s }
            """
                .formatted(statePort, KEY, extra));
    return new ProxyConfigLoader(Map.of(), directory).load(file);
  }

  private HttpResponse<String> admin(ProxyApplication application, String path) throws Exception {
    int port = application.adminAddress().orElseThrow().getPort();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void followsTheServiceKeepsACacheAndServesFromItWhenTheServiceIsGone() throws Exception {
    int port = startStateService();
    try (ProxyApplication application =
        ProxyApplication.start(config(port, ""), Clock.systemUTC())) {
      assertThat(admin(application, "/readyz").statusCode()).isEqualTo(200);
      assertThat(admin(application, "/policy").body())
          .contains("\"revision\":2,")
          .contains("\"source\":\"state-service\",\"origin\":\"snapshot\"");
      Path cache = directory.resolve("cache.json");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)))
          .isEqualTo("rw-------");

      revision = 3;
      withRule = false;
      await()
          .atMost(AWAIT)
          .until(() -> admin(application, "/policy").body().contains("\"revision\":3,"));
      assertThat(admin(application, "/metrics").body())
          .contains("zcproxy_policy_revision 3.0")
          .contains("zcproxy_tunnels_closed_by_policy_total")
          .containsPattern("zcproxy_policy_resyncs_total [1-9]");
      // The follower reports a revision in force a moment before it saves it: wait for the save.
      await()
          .atMost(AWAIT)
          .untilAsserted(() -> assertThat(Files.readString(cache)).contains("\"revision\":3"));
    }
    state.stop(0);
    state = null;

    try (ProxyApplication restarted =
        ProxyApplication.start(config(closedPort(), ""), Clock.systemUTC())) {
      assertThat(admin(restarted, "/readyz").statusCode()).isEqualTo(200);
      assertThat(admin(restarted, "/policy").body())
          .contains("\"revision\":3,")
          .contains("\"origin\":\"cache\"");
    }
  }

  @Test
  void withNoCacheAndNoServiceItIsNotReady() throws Exception {
    try (ProxyApplication application =
        ProxyApplication.start(config(closedPort(), ""), Clock.systemUTC())) {
      HttpResponse<String> ready = admin(application, "/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("no policy loaded\n");
      assertThat(admin(application, "/policy").body())
          .startsWith(
              "{\"revision\":0,\"digest\":null,\"source\":\"state-service\",\"origin\":\"none\"");
    }
  }

  @Test
  void aBrokerWithoutAnAdapterIsAStartupErrorNamingTheKey() throws Exception {
    ProxyConfig config = config(closedPort(), "  broker: { url: \"nats://127.0.0.1:4222\" }");

    assertThatThrownBy(() -> ProxyApplication.start(config, Clock.systemUTC()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "config key 'policy.broker.url': expected tcp://host:port (Artemis) or"
                + " amqp://host:port (RabbitMQ), got scheme 'nats'");
  }

  @Test
  void anArtemisUrlWithoutAPortIsAStartupErrorNamingTheKey() throws Exception {
    ProxyConfig config = config(closedPort(), "  broker: { url: \"tcp://127.0.0.1\" }");

    assertThatThrownBy(() -> ProxyApplication.start(config, Clock.systemUTC()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "config key 'policy.broker.url': an Artemis URL needs a host and a port:"
                + " tcp://host:61616");
  }
}
