package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.LiveStateService;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.StateProcess;
import dev.zcproxy.it.support.TcpEchoServer;
import dev.zcproxy.outbound.jpa.TcpCutter;
import dev.zcproxy.outbound.jpa.TestDatabase;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Kubernetes probes rely on, on the real jars.
 *
 * <ul>
 *   <li>The proxy: {@code /healthz} (liveness) stays 200 for as long as the process runs, draining
 *       included; {@code /readyz} (readiness) turns 503 on SIGTERM, and never later than the
 *       listener closes; open tunnels keep relaying while new clients are refused.
 *   <li>The state service: {@code /healthz} (readiness) is 503 while PostgreSQL is unreachable and
 *       200 again once it is back; {@code /metrics} answers throughout, so a liveness probe there
 *       (or on the TCP port) does not restart a service that only waits for its database.
 * </ul>
 */
class ProbesIT {

  private static final Duration AWAIT = Duration.ofSeconds(30);

  @TempDir Path workDir;

  @Test
  void theProxyTurnsUnreadyOnSigtermBeforeItsListenerClosesAndStaysLiveWhileDraining()
      throws IOException {
    try (TcpEchoServer echo = TcpEchoServer.start();
        ProxyProcess proxy =
            ProxyProcess.builder(workDir.resolve("proxy"))
                .name("ProbesIT")
                .policy(
                    """
                    anonymous: false
                    users:
                      - { name: ivy, password: "{plain}ivy-secret" }
                    rules:
                      - { action: allow, users: [ivy], destinations: ["127.0.0.1/32"], ports: ["%d"] }
                    """
                        .formatted(echo.port()))
                .start();
        Socks5Client tunnel = Socks5Client.connect(proxy.port())) {
      assertThat(proxy.admin("/readyz").statusCode()).isEqualTo(200);
      assertThat(proxy.admin("/healthz").statusCode()).isEqualTo(200);
      tunnel.authenticate("ivy", "ivy-secret");
      Socks5Reply reply =
          tunnel.request(
              Socks5Client.CONNECT,
              new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()));
      assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
      assertEchoes(tunnel, "before");

      // The open tunnel holds the drain (drainTimeout 5 s) open, so the admin port stays up.
      proxy.signal("TERM");
      List<String> violations = new ArrayList<>();
      await("/readyz 503 and the listener closed")
          .atMost(AWAIT)
          .pollInterval(Duration.ofMillis(5))
          .until(
              () -> {
                // The listener first, then readiness: a listener found closed while /readyz
                // still says 200 would be the order a load balancer must never see.
                boolean listenerClosed = refusesConnections(proxy.port());
                int ready = proxy.admin("/readyz").statusCode();
                if (listenerClosed && ready == 200) {
                  violations.add("listener closed while /readyz answered 200");
                }
                return listenerClosed && ready == 503;
              });
      assertThat(violations).isEmpty();
      assertThat(proxy.admin("/readyz").body()).isEqualTo("draining\n");
      assertThat(proxy.admin("/healthz").statusCode())
          .as("liveness holds during the drain, or the kubelet would kill a draining proxy")
          .isEqualTo(200);
      assertEchoes(tunnel, "while draining");

      tunnel.socket().close();
      ProcessHandle process = ProcessHandle.of(proxy.pid()).orElseThrow();
      await("the proxy exits once its last tunnel is gone")
          .atMost(AWAIT)
          .until(() -> !process.isAlive());
      await().atMost(AWAIT).until(() -> proxy.log().contains("zcproxy stopped"));
    }
  }

  @Test
  void theStateServiceIsUnreadyWithoutItsDatabaseAndStaysLive() {
    try (TcpCutter cutter = TcpCutter.inFrontOf(TestDatabase.get().jdbcUrl());
        LiveStateService state =
            LiveStateService.start("probes", Map.of("ZCPROXY_STATE_DB_URL", cutter.jdbcUrl()))) {
      StateProcess service = state.process();
      assertThat(service.get("/healthz", null).statusCode()).isEqualTo(200);
      assertThat(service.get("/metrics", null).statusCode()).isEqualTo(200);

      cutter.cut();
      await("/healthz 503 while PostgreSQL is cut off")
          .atMost(AWAIT)
          .until(() -> service.get("/healthz", null).statusCode() == 503);
      assertThat(service.get("/healthz", null).body()).isEqualTo("database unreachable\n");
      assertThat(service.get("/metrics", null).statusCode())
          .as("a liveness probe on /metrics keeps the pod while it waits for the database")
          .isEqualTo(200);

      cutter.restore();
      await("/healthz 200 once PostgreSQL is back")
          .atMost(AWAIT)
          .until(() -> service.get("/healthz", null).statusCode() == 200);
    }
  }

  private static void assertEchoes(Socks5Client tunnel, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    tunnel.send(bytes);
    assertThat(tunnel.readExactly(bytes.length)).isEqualTo(bytes);
  }

  private static boolean refusesConnections(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException other) {
      return false;
    }
  }
}
