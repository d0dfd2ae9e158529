package dev.zcproxy.it;

import static dev.zcproxy.it.support.SocksAssertions.assertSocks5Refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.TcpEchoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy file changes under a running proxy: the next connection sees the new policy, a broken
 * file changes nothing, tunnels the new policy still allows carry on, and those it refuses are
 * closed. Each test gets a fresh proxy, because each one leaves the policy in a different state.
 */
class PolicyReloadIT {

  @TempDir Path workDir;

  static OriginServer origin;
  static TcpEchoServer echo;
  ProxyProcess proxy;

  @BeforeAll
  static void startServers() {
    origin = OriginServer.start();
    echo = TcpEchoServer.start();
  }

  @AfterAll
  static void stopServers() throws Exception {
    Closeables.closeAll(origin, echo);
  }

  @BeforeEach
  void startProxy() {
    proxy =
        ProxyProcess.builder(workDir)
            .name("PolicyReloadIT")
            .policy(policyAllowingAlice(origin.port(), echo.port()))
            .start();
    assertAliceFetches();
  }

  @AfterEach
  void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void rewrittenPolicyAppliesToTheNextConnection() {
    proxy.reloadPolicy(policyDenyingAlice());

    assertSocks5Refusal(
        alice().fetch(origin.url("/hello")), "127.0.0.1", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    proxy.assertCleanLog();
  }

  @Test
  void sighupReloadsThePolicy() {
    long reloads = proxy.countLogLines(ProxyProcess.RELOADED_LINE);

    proxy.signal("HUP");

    proxy.awaitLogLines(ProxyProcess.RELOADED_LINE, reloads + 1);
    assertAliceFetches();
    proxy.assertCleanLog();
  }

  @Test
  void brokenPolicyFileKeepsTheLastGoodPolicy() {
    long errors = proxy.countLogLines("ERROR");
    long reloads = proxy.countLogLines(ProxyProcess.RELOADED_LINE);

    proxy.rewritePolicy("rules: [ { action: allow, destinations: [\"127.0.0.1/32\"\n");

    proxy.awaitLogLines("ERROR", errors + 1);
    assertThat(proxy.countLogLines(ProxyProcess.RELOADED_LINE)).isEqualTo(reloads);
    assertAliceFetches();
    proxy.assertCleanLog();
  }

  @Test
  void policyWithAnInvalidRuleKeepsTheLastGoodPolicy() {
    long errors = proxy.countLogLines("ERROR");

    proxy.rewritePolicy(
        """
        anonymous: false
        rules:
          - action: allow
            destinations: ["300.1.2.3/8"]
        """);

    proxy.awaitLogLines("ERROR", errors + 1);
    // The culprit is on a line after the ERROR line, which may not have come through the pipe yet.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(proxy.log()).as("the error names the culprit").contains("300.1.2.3/8"));
    assertAliceFetches();
    proxy.assertCleanLog();
  }

  @Test
  void establishedTunnelSurvivesAReload() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (Socks5Client tunnel = Socks5Client.connect(proxy.port())) {
      tunnel.authenticate("alice", "wonderland");
      Socks5Reply reply =
          tunnel.request(Socks5Client.CONNECT, new InetSocketAddress(loopback, echo.port()));
      assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
      assertEchoes(tunnel, "before the reload");

      // The new policy still admits this tunnel, but no longer the HTTP origin.
      proxy.reloadPolicy(policyAllowingAlice(echo.port()));

      assertEchoes(tunnel, "after the reload");
      assertSocks5Refusal(
          alice().fetch(origin.url("/hello")), "127.0.0.1", Socks5Reply.NOT_ALLOWED_BY_RULESET);
    }
    proxy.assertCleanLog();
  }

  /** A reload that refuses an open tunnel closes it: revocations reach live tunnels. */
  @Test
  void establishedTunnelTheReloadedPolicyRefusesIsClosed() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (Socks5Client tunnel = Socks5Client.connect(proxy.port())) {
      tunnel.authenticate("alice", "wonderland");
      Socks5Reply reply =
          tunnel.request(Socks5Client.CONNECT, new InetSocketAddress(loopback, echo.port()));
      assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
      assertEchoes(tunnel, "before the reload");

      proxy.reloadPolicy(policyAllowingAlice(origin.port()));

      tunnel.socket().setSoTimeout(30_000);
      assertThat(tunnel.closedByProxy()).as("the refused tunnel is closed").isTrue();
    }
    proxy.awaitLogLines("closed 1 live tunnels it refuses", 1);
    assertThat(proxy.admin("/metrics").body())
        .contains("zcproxy_tunnels_closed_by_policy_total 1.0");
    assertAliceFetches();
    proxy.assertCleanLog();
  }

  private void assertAliceFetches() {
    Curl.Result result = alice().fetch(origin.url("/hello"));
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
  }

  private Curl alice() {
    return Curl.socks5(proxy.port()).user("alice", "wonderland");
  }

  private static void assertEchoes(Socks5Client tunnel, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    tunnel.send(bytes);
    assertThat(tunnel.readExactly(bytes.length)).isEqualTo(bytes);
  }

  private static String policyAllowingAlice(int... ports) {
    String portList =
        Arrays.stream(ports).mapToObj(port -> "\"" + port + "\"").collect(Collectors.joining(", "));
    return """
        anonymous: false
        users:
          - { name: alice, password: "{plain}wonderland" }
        rules:
          - action: allow
            users: [alice]
            destinations: ["127.0.0.1/32"]
            ports: [%s]
        """
        .formatted(portList);
  }

  private static String policyDenyingAlice() {
    return """
        anonymous: false
        users:
          - { name: alice, password: "{plain}wonderland" }
        rules:
          - action: deny
            users: [alice]
            destinations: ["127.0.0.1/32"]
        """;
  }
}
