package dev.zcproxy.it;

import static dev.zcproxy.it.support.SocksAssertions.assertSocks5Refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.service.ReadPolicySnapshotService;
import dev.zcproxy.domain.state.PolicyDigest;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.FreePorts;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.StateProcess;
import dev.zcproxy.it.support.TcpEchoServer;
import dev.zcproxy.outbound.jpa.JpaPersistence;
import dev.zcproxy.outbound.jpa.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]+)\"");
  private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
  private static final Pattern STATUS =
      Pattern.compile("\"revision\":(\\d+),\"digest\":\"([0-9a-f]{64})\"");

  @TempDir Path workDir;

  static String schema;
  static String adminKey;
  static String proxyKey;
  static StateProcess state;
  static OriginServer origin;
  static TcpEchoServer echo;

  @BeforeAll
  static void startStateService() {
    TestDatabase database = TestDatabase.get();
    schema = TestDatabase.newSchemaName();
    ProxyProcess.Exited made =
        StateProcess.runExpectingExit("live-policy-key", Map.of(), "new-api-key");
    assertThat(made.status()).as(made.output()).isZero();
    adminKey = made.output().strip();
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("ZCPROXY_STATE_DB_URL", database.jdbcUrl());
    environment.put("ZCPROXY_STATE_DB_USER", database.user());
    database.password().ifPresent(p -> environment.put("ZCPROXY_STATE_DB_PASSWORD", p));
    environment.put("ZCPROXY_STATE_DB_SCHEMA", schema);
    environment.put("ZCPROXY_STATE_BOOTSTRAP_KEY", adminKey);
    state = StateProcess.start("live-policy", environment);
    HttpResponse<String> key =
        state.postJson("/api/v1/api-keys", adminKey, "{\"name\":\"proxy\",\"scope\":\"proxy\"}");
    assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
    proxyKey = group(KEY, key.body());
    origin = OriginServer.start();
    echo = TcpEchoServer.start();
  }

  @AfterAll
  static void stopEverything() throws Exception {
    Closeables.closeAll(origin, echo);
    if (state != null) {
      state.close();
    }
    TestDatabase.get().dropSchema(schema);
  }

  @Test
  void changesReachTheNextConnectionAndARevokedUserLosesItsOpenTunnel() throws IOException {
    createUser("alice");
    String rule = createRule("alice", origin.port(), echo.port());
    try (ProxyProcess proxy = proxy(state.port()).name("LivePolicyIT-follow").start()) {
      assertThat(alice(proxy).fetch(origin.url("localhost", "/hello")).bodyText())
          .isEqualTo(OriginServer.HELLO_BODY);
      awaitDigestOfTheDatabase(proxy);

      // The rule no longer reaches the origin: the next connection is refused.
      replaceRule(rule, "alice", echo.port());
      await()
          .atMost(AWAIT)
          .until(() -> alice(proxy).fetch(origin.url("localhost", "/hello")).exitCode() != 0);
      assertSocks5Refusal(
          alice(proxy).fetch(origin.url("localhost", "/hello")),
          "localhost",
          Socks5Reply.NOT_ALLOWED_BY_RULESET);

      try (Socks5Client tunnel = Socks5Client.connect(proxy.port())) {
        tunnel.authenticate("alice", "wonderland-in-2026");
        Socks5Reply reply =
            tunnel.request(
                Socks5Client.CONNECT,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()));
        assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
        assertEchoes(tunnel, "while alice is enabled");

        HttpResponse<String> disabled =
            state.putJson(
                "/api/v1/users/alice", adminKey, "{\"groups\":[\"staff\"],\"enabled\":false}");
        assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);

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
      awaitDigestOfTheDatabase(proxy);
      proxy.assertCleanLog();
    }
  }

  @Test
  void aRestartWithTheStateServiceDownServesFromTheCacheFile() throws IOException {
    createUser("bob");
    createRule("bob", origin.port());
    try (ProxyProcess first = proxy(state.port()).name("LivePolicyIT-cache-fill").start()) {
      awaitDigestOfTheDatabase(first);
    }
    Path cache = workDir.resolve("conf/cache/policy.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)))
        .isEqualTo("rw-------");

    int nobody = FreePorts.tcp();
    try (ProxyProcess restarted = proxy(nobody).name("LivePolicyIT-cache-serve").start()) {
      assertThat(restarted.admin("/policy").body()).contains("\"origin\":\"cache\"");
      Curl.Result result =
          Curl.socks5Hostname(restarted.port())
              .user("bob", "wonderland-in-2026")
              .fetch(origin.url("localhost", "/hello"));
      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
      assertThat(restarted.log()).contains("cannot fetch the policy snapshot");
    }
  }

  @Test
  void withNoSnapshotAndNoStateServiceNoOneIsAdmitted() {
    createUser("carol");
    createRule("carol", origin.port());
    int nobody = FreePorts.tcp();
    try (ProxyProcess proxy = proxy(nobody).name("LivePolicyIT-nothing").startUnready()) {
      HttpResponse<String> ready = proxy.admin("/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("no policy loaded\n");
      assertThat(proxy.admin("/policy").body()).contains("\"origin\":\"none\"");

      Curl.Result result =
          Curl.socks5Hostname(proxy.port())
              .user("carol", "wonderland-in-2026")
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
                .formatted(statePort, proxyKey));
  }

  private static Curl alice(ProxyProcess proxy) {
    return Curl.socks5Hostname(proxy.port()).user("alice", "wonderland-in-2026");
  }

  private static void createUser(String name) {
    HttpResponse<String> created =
        state.postJson(
            "/api/v1/users",
            adminKey,
            "{\"name\":\"%s\",\"password\":\"wonderland-in-2026\",\"groups\":[\"staff\"]}"
                .formatted(name));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  private static String createRule(String user, int... ports) {
    HttpResponse<String> created = state.postJson("/api/v1/rules", adminKey, rule(user, ports));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return group(ID, created.body());
  }

  private static void replaceRule(String id, String user, int... ports) {
    HttpResponse<String> replaced =
        state.putJson("/api/v1/rules/" + id, adminKey, rule(user, ports));
    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
  }

  private static String rule(String user, int... ports) {
    StringBuilder list = new StringBuilder();
    for (int port : ports) {
      list.append(list.isEmpty() ? "" : ",").append('"').append(port).append('"');
    }
    return "{\"action\":\"allow\",\"users\":[\"%s\"],\"destinations\":[\"127.0.0.1/32\"],\"ports\":[%s]}"
        .formatted(user, list);
  }

  /** The proxy reaches the database's revision, and then has exactly the database's digest. */
  private static void awaitDigestOfTheDatabase(ProxyProcess proxy) {
    String expected = databaseRevisionAndDigest();
    await()
        .atMost(AWAIT)
        .untilAsserted(
            () -> {
              Matcher status = STATUS.matcher(proxy.admin("/policy").body());
              assertThat(status.find()).isTrue();
              assertThat(status.group(1) + " " + status.group(2)).isEqualTo(expected);
            });
  }

  /** Read from PostgreSQL directly, not through the service the proxy uses. */
  private static String databaseRevisionAndDigest() {
    TestDatabase database = TestDatabase.get();
    try (JpaPersistence store =
        JpaPersistence.start(
            database.settings(database.jdbcUrl()).withSchema(schema), new SimpleMeterRegistry())) {
      PolicyRevision snapshot =
          new ReadPolicySnapshotService(
                  store.unitOfWork(), store.users(), store.rules(), store.outbox())
              .snapshot();
      return snapshot.revision() + " " + PolicyDigest.of(snapshot);
    } catch (Exception unreachable) {
      throw new AssertionError("cannot read the database", unreachable);
    }
  }

  private static void assertEchoes(Socks5Client tunnel, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    tunnel.send(bytes);
    assertThat(tunnel.readExactly(bytes.length)).isEqualTo(bytes);
  }

  private static String group(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    assertThat(matcher.find()).as(text).isTrue();
    return matcher.group(1);
  }
}
