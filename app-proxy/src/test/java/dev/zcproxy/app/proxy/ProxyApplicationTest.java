package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyApplicationTest {

  @TempDir Path directory;

  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void closeClient() {
    client.close();
  }

  @Test
  void servesClientsAndTheAdminEndpointUntilShutdown() throws Exception {
    ProxyApplication application = ProxyApplication.start(config(), Clock.systemUTC());
    InetSocketAddress admin = application.adminAddress().orElseThrow();
    try {
      assertThat(application.proxyAddress().getPort()).isPositive();
      assertThat(status(admin, "/readyz")).isEqualTo(200);
      assertThat(application.policy().revision()).isEqualTo(1);
      try (var socket = new Socket()) {
        socket.connect(application.proxyAddress());
        assertThat(socket.isConnected()).isTrue();
      }
    } finally {
      application.shutdown();
    }

    assertThat(application.readiness().isReady()).isFalse();
    assertThatThrownBy(() -> status(admin, "/healthz")).isInstanceOf(ConnectException.class);
    try (var socket = new Socket()) {
      assertThatThrownBy(() -> socket.connect(application.proxyAddress()))
          .isInstanceOf(ConnectException.class);
    }
    application.shutdown(); // idempotent
  }

  private ProxyConfig config() throws Exception {
    Files.writeString(
        directory.resolve("policy.yaml"),
        """
        users: [{ name: alice, password: "{plain}a" }]
        rules: [{ action: allow, users: [alice], destinations: ["127.0.0.1/32"] }]
        """);
    Path config =
        Files.writeString(
            directory.resolve("zcproxy.yaml"),
            """
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            relay: copy
            policy: { file: policy.yaml }
            shutdown: { drainTimeout: 1s }
            """);
    return new ProxyConfigLoader(Map.of(), directory).load(config);
  }

  private int status(InetSocketAddress admin, String path)
      throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + admin.getPort() + path);
    return client
        .send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
