package dev.zcproxy.app.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log as the application wires it: a file opened at startup (an unwritable one stops it,
 * naming {@code accessLog.path}), lines for tunnels and refusals, a reopen on SIGHUP after
 * logrotate moved the file, and its counters on {@code /metrics}.
 */
class AccessLogApplicationTest {
  private static final String PASSWORD = "a-password";

  @TempDir Path directory;

  private ServerSocket echo;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket socket = echo.accept();
                  Thread.ofVirtual().start(() -> echoUntilEof(socket));
                } catch (IOException closed) {
                  return;
                }
              }
            });
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  @Test
  void tunnels_and_refusals_go_to_the_file_which_sighup_reopens() throws Exception {
    Path log = directory.resolve("logs/access.log");
    Files.createDirectories(log.getParent());
    ProxyApplication application =
        ProxyApplication.start(config("logs/access.log", "squid"), Clock.systemUTC());
    try {
      assertThat(log).exists();
      InetSocketAddress proxy = application.proxyAddress();
      assertThat(socks5Connect(proxy, "127.0.0.1", echo.getLocalPort(), "ping")).isZero();
      assertThat(socks5Connect(proxy, "127.0.0.2", echo.getLocalPort(), null))
          .as("no rule for 127.0.0.2")
          .isEqualTo(2);
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(log).size() == 2);
      List<String> lines = lines(log);
      assertThat(lines)
          .anySatisfy(
              line ->
                  assertThat(line.split(" +"))
                      .hasSize(10)
                      .contains("TCP_TUNNEL/200", "4", "CONNECT", "alice")
                      .contains("127.0.0.1:" + echo.getLocalPort())
                      .contains("HIER_DIRECT/127.0.0.1"))
          .anySatisfy(
              line ->
                  assertThat(line.split(" +"))
                      .contains("TCP_DENIED/403", "127.0.0.2:" + echo.getLocalPort()));
      assertThat(String.join("\n", lines)).doesNotContain(PASSWORD);

      Path rotated = directory.resolve("logs/access.log.1");
      Files.move(log, rotated);
      application.reload(); // what SIGHUP runs
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log));
      assertThat(socks5Connect(proxy, "127.0.0.1", echo.getLocalPort(), "pong")).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(log).size() == 1);
      assertThat(lines(rotated)).hasSize(2);

      String metrics = get(application.adminAddress().orElseThrow(), "/metrics");
      assertThat(metrics)
          .contains("zcproxy_access_log_lines_total 3.0")
          .contains("zcproxy_access_log_dropped_total{reason=\"queue_full\"} 0.0");
    } finally {
      application.shutdown();
    }
  }

  @Test
  void json_lines_carry_every_field() throws Exception {
    Path log = directory.resolve("access.json");
    ProxyApplication application =
        ProxyApplication.start(config("access.json", "json"), Clock.systemUTC());
    try {
      socks5Connect(application.proxyAddress(), "127.0.0.1", echo.getLocalPort(), "ping");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(log).size() == 1);
    } finally {
      application.shutdown();
    }
    assertThat(lines(log).getFirst())
        .startsWith("{\"time\":\"")
        .contains("\"user\":\"alice\"", "\"protocol\":\"socks5\"", "\"command\":\"connect\"")
        .contains("\"rule\":1", "\"result\":\"ok\"", "\"relay\":\"copy\"")
        .contains("\"bytesUp\":4", "\"bytesDown\":4");
  }

  @Test
  void an_unwritable_path_stops_the_start_naming_the_key() throws Exception {
    ProxyConfig config = config("no/such/directory/access.log", "json");

    assertThatThrownBy(() -> ProxyApplication.start(config, Clock.systemUTC()))
        .isInstanceOf(StartupException.class)
        .hasMessageStartingWith("config key 'accessLog.path': cannot open ")
        .hasMessageContaining("no/such/directory/access.log");
  }

  private ProxyConfig config(String path, String format) throws Exception {
    Files.writeString(
        directory.resolve("policy.yaml"),
        """
        users: [{ name: alice, password: "{plain}%s" }]
        rules: [{ action: allow, users: [alice], destinations: ["127.0.0.1/32"] }]
        """
            .formatted(PASSWORD));
    Path config =
        Files.writeString(
            directory.resolve("zcproxy.yaml"),
            """
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            relay: copy
            policy: { file: policy.yaml }
            shutdown: { drainTimeout: 1s }
            accessLog: { enabled: true, path: %s, format: %s }
            """
                .formatted(path, format));
    return new ProxyConfigLoader(Map.of(), directory).load(config);
  }

  /** SOCKS5 with alice's password; sends {@code text} and reads it back if the tunnel is up. */
  private static int socks5Connect(InetSocketAddress proxy, String ip, int port, String text)
      throws IOException {
    try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      out.write(new byte[] {5, 1, 2});
      in.readFully(new byte[2]);
      byte[] user = "alice".getBytes(StandardCharsets.US_ASCII);
      byte[] password = PASSWORD.getBytes(StandardCharsets.US_ASCII);
      out.write(1);
      out.write(user.length);
      out.write(user);
      out.write(password.length);
      out.write(password);
      byte[] login = new byte[2];
      in.readFully(login);
      assertThat(login[1]).isZero();
      out.write(new byte[] {5, 1, 0, 1});
      out.write(InetAddress.getByName(ip).getAddress());
      out.write(new byte[] {(byte) (port >> 8), (byte) port});
      byte[] reply = new byte[10];
      in.readFully(reply);
      if (reply[1] == 0 && text != null) {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        byte[] back = new byte[text.length()];
        in.readFully(back);
        assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo(text);
        socket.shutdownOutput();
        while (in.read() >= 0) {
          // until the proxy passes the echo's FIN on
        }
      }
      return reply[1];
    }
  }

  private static void echoUntilEof(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        socket.getOutputStream().write(buffer, 0, n);
      }
      socket.shutdownOutput();
    } catch (IOException gone) {
      // the proxy closed the connection
    }
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  private static String get(InetSocketAddress admin, String path) throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + path))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
