package dev.zcproxy.it;

import static dev.zcproxy.it.support.SocksAssertions.assertSocks5Refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.LiveStateService;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.TcpEchoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxy following the real state service (on the real PostgreSQL) by {@code policy.stateService},
 * in poll mode: users and rules created over the REST API reach curl's next connection, a revoked
 * user loses an open tunnel, a restart without the service serves from the cache file, and a proxy
 * with nothing admits no one. The proxy's digest is compared with one computed from the database
 * itself.
 */
class LivePolicyIT {

  private static final Duration AWAIT = Duration.ofSeconds(60);

  @TempDir Path workDir;

  static LiveStateService state;
  static OriginServer origin;
  static TcpEchoServer echo;

  @BeforeAll
  static void startStateService() {
    state = LiveStateService.start("live-policy", Map.of());
    origin = OriginServer.start();
    echo = TcpEchoServer.start();
  }

  @AfterAll
  static void stopEverything() throws Exception {
    Closeables.closeAll(origin, echo, state);
  }

  @Test
  void changesReachTheNextConnectionAndARevokedUserLosesItsOpenTunnel() throws IOException {
    state.createUser("alice");
    String rule = state.createRule("alice", origin.port(), echo.port());
    try (ProxyProcess proxy = proxy(state.process().port()).name("LivePolicyIT-follow").start()) {
      assertThat(alice(proxy).fetch(origin.url("localhost", "/hello")).bodyText())
          .isEqualTo(OriginServer.HELLO_BODY);
      state.awaitDigestOfTheDatabase(proxy, AWAIT);

      // The rule no longer reaches the origin: the next connection is refused.
      state.replaceRule(rule, "alice", echo.port());
      await()
          .atMost(AWAIT)
          .until(() -> alice(proxy).fetch(origin.url("localhost", "/hello")).exitCode() != 0);
      assertSocks5Refusal(
          alice(proxy).fetch(origin.url("localhost", "/hello")),
          "localhost",
          Socks5Reply.NOT_ALLOWED_BY_RULESET);

      try (Socks5Client tunnel = Socks5Client.connect(proxy.port())) {
        tunnel.authenticate("alice", LiveStateService.PASSWORD);
        Socks5Reply reply =
            tunnel.request(
                Socks5Client.CONNECT,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()));
        assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
        assertEchoes(tunnel, "while alice is enabled");

        state.disableUser("alice");

        tunnel.socket().setSoTimeout((int) AWAIT.toMillis());
        assertThat(tunnel.closedByProxy()).as("the tunnel is closed by the proxy").isTrue();
      }
      // The proxy logs before it closes, but its output reaches us through a pipe: wait for it.
      await()
          .atMost(AWAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.log())
                      .contains("closing the tunnel of alice to 127.0.0.1:" + echo.port())
                      .contains("user is unknown or disabled"));
      // At least this one; curl's earlier tunnel to the origin may still be half open.
      assertThat(proxy.admin("/metrics").body())
          .containsPattern("zcproxy_tunnels_closed_by_policy_total [1-9]");
      state.awaitDigestOfTheDatabase(proxy, AWAIT);
      proxy.assertCleanLog();
    }
  }

  @Test
  void aRestartWithTheStateServiceDownServesFromTheCacheFile() throws IOException {
    state.createUser("bob");
    state.createRule("bob", origin.port());
    try (ProxyProcess first =
        proxy(state.process().port()).name("LivePolicyIT-cache-fill").start()) {
      state.awaitDigestOfTheDatabase(first, AWAIT);
    }
    Path cache = workDir.resolve("conf/cache/policy.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)))
        .isEqualTo("rw-------");

    int nobody = FreePorts.closed();
    try (ProxyProcess restarted = proxy(nobody).name("LivePolicyIT-cache-serve").start()) {
      assertThat(restarted.admin("/policy").body()).contains("\"origin\":\"cache\"");
      Curl.Result result =
          Curl.socks5Hostname(restarted.port())
              .user("bob", LiveStateService.PASSWORD)
              .fetch(origin.url("localhost", "/hello"));
      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
      assertThat(restarted.log()).contains("cannot fetch the policy snapshot");
    }
  }

  @Test
  void withNoSnapshotAndNoStateServiceNoOneIsAdmitted() {
    state.createUser("carol");
    state.createRule("carol", origin.port());
    int nobody = FreePorts.closed();
    try (ProxyProcess proxy = proxy(nobody).name("LivePolicyIT-nothing").startUnready()) {
      HttpResponse<String> ready = proxy.admin("/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("no policy loaded\n");
      assertThat(proxy.admin("/policy").body()).contains("\"origin\":\"none\"");

      Curl.Result result =
          Curl.socks5Hostname(proxy.port())
              .user("carol", LiveStateService.PASSWORD)
              .fetch(origin.url("localhost", "/hello"));
      assertThat(result.exitCode()).as(result.toString()).isNotZero();
      assertThat(result.bodyText()).isEmpty();
    }
  }

  private ProxyProcess.Builder proxy(int statePort) {
    return ProxyProcess.builder(workDir)
        .policySection(
            """
            policy:
              stateService: { url: "http://127.0.0.1:%d", apiKey: "%s", connectTimeout: 2s }
              cacheFile: cache/policy.json
              resyncInterval: 300ms"""
                .formatted(statePort, state.proxyKey()));
  }

  private static Curl alice(ProxyProcess proxy) {
    return Curl.socks5Hostname(proxy.port()).user("alice", LiveStateService.PASSWORD);
  }

  private static void assertEchoes(Socks5Client tunnel, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    tunnel.send(bytes);
    assertThat(tunnel.readExactly(bytes.length)).isEqualTo(bytes);
  }
}
