package dev.zcproxy.inbound.netty.tunnel;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveTunnelRegistryTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final ConnectRequest TO_LOOPBACK =
      new ConnectRequest(null, InetAddress.getLoopbackAddress(), 8000, Protocol.TCP);
  private static final Principal ALICE = new Principal.UserPrincipal("alice", Set.of());

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final LiveTunnelRegistry registry = new LiveTunnelRegistry(meters);

  /** Alice (enabled or not) and anonymous clients may reach the loopback address, or no one may. */
  private static PolicySnapshot policy(long revision, boolean allow, boolean aliceEnabled) {
    List<AclRule> rules =
        allow
            ? List.of(
                new AclRule(
                    Action.ALLOW,
                    Set.of(),
                    Set.of(),
                    List.of(DestinationPattern.parse("127.0.0.0/8")),
                    List.of(),
                    Set.of()))
            : List.of();
    return PolicySnapshot.compile(
        new Policy(
            true,
            List.of(new User("alice", new PasswordHash("{plain}pw"), Set.of(), aliceEnabled)),
            rules),
        revision);
  }

  private double closedByPolicy() {
    return meters.get("zcproxy.tunnels.closed.by.policy").counter().count();
  }

  @Test
  void aTunnelTheNewPolicyRefusesIsClosedAndCounted() {
    var allowed = new EmbeddedChannel();
    registry.register(allowed, ALICE, TO_LOOPBACK);

    assertThat(registry.policyInstalled(policy(2, true, true))).isZero();
    assertThat(allowed.isOpen()).isTrue();

    assertThat(registry.policyInstalled(policy(3, false, true))).isEqualTo(1);
    allowed.runPendingTasks();
    assertThat(allowed.isOpen()).isFalse();
    assertThat(closedByPolicy()).isEqualTo(1);
    assertThat(registry.size()).isZero();
  }

  @Test
  void aDisabledUserLosesTheTunnelAndAnonymousOnesStay() {
    var alices = new EmbeddedChannel();
    var anonymous = new EmbeddedChannel();
    registry.register(alices, ALICE, TO_LOOPBACK);
    registry.register(anonymous, Principal.ANONYMOUS, TO_LOOPBACK);

    assertThat(registry.policyInstalled(policy(2, true, false))).isEqualTo(1);

    assertThat(alices.isOpen()).isFalse();
    assertThat(anonymous.isOpen()).isTrue();
    assertThat(registry.size()).isEqualTo(1);
  }

  @Test
  void aClosedTunnelIsForgottenAndARepeatCountsOnce() {
    var channel = new EmbeddedChannel();
    registry.register(channel, ALICE, TO_LOOPBACK);
    registry.register(channel, ALICE, TO_LOOPBACK);
    assertThat(registry.size()).isEqualTo(1);

    channel.close();

    assertThat(registry.size()).isZero();
    assertThat(registry.policyInstalled(policy(2, false, true))).isZero();
  }

  @Test
  void aTunnelRegisteredAfterARefusingInstallIsClosedAtOnce() {
    registry.policyInstalled(policy(2, false, true));
    var late = new EmbeddedChannel();

    registry.register(late, ALICE, TO_LOOPBACK);

    assertThat(late.isOpen()).isFalse();
    assertThat(closedByPolicy()).isEqualTo(1);
  }

  /** The real front end: SOCKS5 and HTTP CONNECT tunnels end when a policy refusing them lands. */
  @Test
  void establishedSocksAndHttpTunnelsAreCutOverRealSockets() throws IOException {
    var authentication = new FakeAuthentication(true);
    try (var echo = new EchoServer();
        var server =
            new ProxyServer(
                ProxyTestKit.settings(),
                authentication,
                ProxyTestKit.policy(request -> true),
                new SimpleMeterRegistry(),
                Optional.empty(),
                true)) {
      InetSocketAddress proxy = server.start();
      try (var socks = new SocksClient(proxy);
          var http = new Socket(proxy.getAddress(), proxy.getPort())) {
        socks.socks5Anonymous();
        assertThat(socks.socks5Connect(LOOPBACK, echo.port())).isZero();
        assertThat(socks.roundTrip("before")).isEqualTo("before");
        http.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
        String target = "127.0.0.1:" + echo.port();
        http.getOutputStream()
            .write(
                ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(head(http.getInputStream())).startsWith("HTTP/1.1 200");
        await().atMost(AWAIT).until(() -> server.connectionRegistry().size() == 2);

        assertThat(server.connectionRegistry().policyInstalled(policy(2, true, true))).isZero();
        assertThat(server.connectionRegistry().policyInstalled(policy(3, false, true)))
            .isEqualTo(2);

        assertThat(socks.in.read()).isEqualTo(-1);
        assertThat(http.getInputStream().read()).isEqualTo(-1);
      }
      await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    }
  }

  private static String head(InputStream in) throws IOException {
    var head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }
}
