package dev.zcproxy.inbound.netty;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.ResettingServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.relay.spi.TunnelHandover;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole front end over real loopback sockets, with fake use cases. */
class ProxyServerTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private final FakeAuthentication authentication = new FakeAuthentication(true);
  private volatile Predicate<ConnectRequest> allowed = request -> true;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private EchoServer echo;
  private ProxyServer server;
  private InetSocketAddress proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    server = newServer(ProxyTestKit.settings(), true, registry);
    proxy = server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    echo.close();
  }

  /** Another server next to the main one, with meters of its own. */
  private ProxyServer newServer(ProxyServerSettings settings, boolean preferNative) {
    return newServer(settings, preferNative, new SimpleMeterRegistry());
  }

  private ProxyServer newServer(
      ProxyServerSettings settings, boolean preferNative, MeterRegistry meters) {
    return new ProxyServer(
        settings,
        authentication,
        ProxyTestKit.policy(request -> allowed.test(request)),
        meters,
        Optional.empty(),
        preferNative);
  }

  @Test
  void password_checks_run_off_the_event_loops() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", "secret");
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
    }
    // A first login costs a slow hash; on an event loop it would stall every connection there.
    assertThat(authentication.callerThreads)
        .isNotEmpty()
        .allMatch(n -> n.startsWith("zcproxy-auth"));
  }

  @Test
  void socks5_connect_round_trip() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", "secret");
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      assertThat(client.roundTrip("hello through the proxy")).isEqualTo("hello through the proxy");
      assertThat(server.activeTunnels()).isEqualTo(1);
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void socks5_connect_by_name_localhost() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect("localhost", echo.port())).isZero();
      assertThat(client.roundTrip("by name")).isEqualTo("by name");
    }
  }

  @Test
  void half_close_passes_through_and_the_rest_still_arrives() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      client.out.write("last words".getBytes(StandardCharsets.UTF_8));
      client.socket.shutdownOutput();

      assertThat(new String(client.in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("last words");
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void a_large_transfer_survives_back_pressure_intact() throws Exception {
    byte[] payload = new byte[4 * 1024 * 1024];
    new Random(42).nextBytes(payload);
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  client.out.write(payload);
                  client.socket.shutdownOutput();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      byte[] echoed = client.in.readAllBytes();
      writer.get();

      assertThat(echoed.length).isEqualTo(payload.length);
      assertThat(Arrays.equals(echoed, payload)).isTrue();
    }
  }

  @Test
  void a_reset_from_upstream_closes_the_client() throws IOException {
    try (ResettingServer resetting = new ResettingServer();
        SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, resetting.port())).isZero();

      client.out.write('x');

      assertThat(client.closedByProxy()).isTrue();
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void connection_refused_is_reply_0x05() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, SocketTestKit.closedPort())).isEqualTo(0x05);
      assertThat(client.closedByProxy()).isTrue();
    }
  }

  @Test
  void an_unresolvable_name_is_reply_0x04() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect("nonexistent.invalid", 80)).isEqualTo(0x04);
      assertThat(client.closedByProxy()).isTrue();
    }
  }

  @Test
  void a_policy_denial_is_reply_0x02() throws IOException {
    allowed = request -> request.port() != echo.port();
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", "secret");
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isEqualTo(0x02);
      assertThat(client.closedByProxy()).isTrue();
    }
  }

  @Test
  void socks4_connect_round_trip() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      assertThat(client.socks4Connect(LOOPBACK, echo.port())).isEqualTo(0x5A);
      assertThat(client.roundTrip("socks4")).isEqualTo("socks4");
    }
  }

  @Test
  void socks4a_connect_round_trip() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      assertThat(client.socks4aConnect("localhost", echo.port())).isEqualTo(0x5A);
      assertThat(client.roundTrip("socks4a")).isEqualTo("socks4a");
    }
  }

  @Test
  void an_idle_tunnel_is_closed() throws IOException {
    ProxyServerSettings defaults = ProxyTestKit.settings();
    ProxyServerSettings quick =
        new ProxyServerSettings(
            defaults.listen(),
            defaults.relay(),
            ProxyServerSettings.Timeouts.of(
                defaults.timeouts().handshake(),
                Duration.ofMillis(500),
                defaults.timeouts().connect(),
                defaults.timeouts().bindAccept()),
            ProxyServerSettings.Limits.of(defaults.limits().maxHandshakeBytes(), 0, 0, 0));
    try (ProxyServer idling = newServer(quick, true);
        SocksClient client = new SocksClient(idling.start())) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      await().atMost(AWAIT).until(client::closedByProxy);
      await().atMost(AWAIT).until(() -> idling.activeTunnels() == 0);
    }
  }

  @Test
  void a_second_connection_from_the_same_source_is_refused_at_accept() throws IOException {
    try (ProxyServer limited = newServer(ProxyTestKit.settings(4096, 0, 1, 0), true)) {
      InetSocketAddress address = limited.start();
      try (SocksClient first = new SocksClient(address)) {
        first.socks5Anonymous(); // admitted and counted before the second one arrives
        try (SocksClient second = new SocksClient(address)) {
          assertThat(second.closedByProxy()).isTrue();
        }
        assertThat(first.socks5Connect(LOOPBACK, echo.port())).isZero();
      }
    }
  }

  @Test
  void the_nio_transport_works_too() throws IOException {
    try (ProxyServer nio = newServer(ProxyTestKit.settings(), false);
        SocksClient client = new SocksClient(nio.start())) {
      client.socks5Login("bob", "hunter2");
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("over nio")).isEqualTo("over nio");
    }
  }

  @Test
  void graceful_shutdown_lets_a_tunnel_finish_and_accepts_nobody_new() throws Exception {
    SocksClient client = new SocksClient(proxy);
    client.socks5Anonymous();
    assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

    CompletableFuture<Void> stopping =
        CompletableFuture.runAsync(() -> server.shutdown(Duration.ofSeconds(30)));
    await().atMost(AWAIT).untilAsserted(() -> assertRefused(proxy));

    assertThat(client.roundTrip("still here")).isEqualTo("still here");
    assertThat(stopping).isNotDone();
    client.close();
    stopping.get();
    assertThat(server.activeTunnels()).isZero();
  }

  @Test
  void shutdown_closes_what_is_left_when_the_drain_time_is_over() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      server.shutdown(Duration.ofMillis(100));

      assertThat(client.closedByProxy()).isTrue();
      assertThat(server.activeTunnels()).isZero();
    }
  }

  private static ProxyServerSettings spliceSettings() {
    ProxyServerSettings defaults = ProxyTestKit.settings();
    return new ProxyServerSettings(
        defaults.listen(),
        ProxyServerSettings.RelayMode.SPLICE,
        ProxyServerSettings.Timeouts.of(
            defaults.timeouts().handshake(),
            defaults.timeouts().idle(),
            defaults.timeouts().connect(),
            defaults.timeouts().bindAccept()),
        ProxyServerSettings.Limits.of(defaults.limits().maxHandshakeBytes(), 0, 0, 0));
  }

  @Test
  void splice_is_refused_without_a_splice_relay() {
    ProxyServerSettings splice = spliceSettings();
    assertThatThrownBy(
            () ->
                new ProxyServer(
                    splice,
                    authentication,
                    ProxyTestKit.policy(request -> true),
                    new SimpleMeterRegistry()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("splice is not available: this build has no splice relay");
  }

  @Test
  void splice_is_refused_where_the_splice_relay_cannot_work_saying_why() {
    ProxyServerSettings splice = spliceSettings();
    SocketRelay unavailable =
        new SocketRelay() {
          @Override
          public String name() {
            return "splice";
          }

          @Override
          public Optional<String> unavailability() {
            return Optional.of("splice(2) needs Linux, and this is Plan 9");
          }

          @Override
          public boolean canRelay(Channel client, Channel upstream) {
            return false;
          }

          @Override
          public void relay(TunnelHandover handover) {
            throw new AssertionError("never called");
          }
        };

    assertThatThrownBy(
            () ->
                new ProxyServer(
                    splice,
                    authentication,
                    ProxyTestKit.policy(request -> true),
                    new SimpleMeterRegistry(),
                    unavailable))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "splice is not available on this machine: splice(2) needs Linux, and this is Plan 9");
  }

  @Test
  void a_port_in_use_fails_start_naming_the_address() {
    ProxyServerSettings defaults = ProxyTestKit.settings();
    ProxyServerSettings taken =
        new ProxyServerSettings(
            proxy,
            defaults.relay(),
            ProxyServerSettings.Timeouts.of(
                defaults.timeouts().handshake(),
                defaults.timeouts().idle(),
                defaults.timeouts().connect(),
                defaults.timeouts().bindAccept()),
            ProxyServerSettings.Limits.of(defaults.limits().maxHandshakeBytes(), 0, 0, 0));
    ProxyServer second = newServer(taken, true);
    assertThatThrownBy(second::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot listen on 127.0.0.1:" + proxy.getPort());
    second.close();
  }

  @Test
  void metrics_are_rendered_with_the_documented_prometheus_names() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("count me")).isEqualTo("count me");
    }
    try (SocksClient refused = new SocksClient(proxy)) {
      refused.out.write(new byte[] {5, 1, 2});
      refused.readBytes(2);
      refused.out.write(new byte[] {1, 1, 'x', 1, 'y'});
      assertThat(refused.readBytes(2)).containsExactly(1, 1);
    }
    try (SocksClient ssh = new SocksClient(proxy)) {
      ssh.out.write("SSH-2.0-probe\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(ssh.closedByProxy()).isTrue();
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    // The relay counts a tunnel out a moment before it updates the gauge: wait for the gauge too.
    await()
        .atMost(AWAIT)
        .until(
            () ->
                registry
                    .scrape()
                    .contains("zcproxy_tunnels_active{protocol=\"socks5\",relay=\"copy\"} 0.0"));

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("zcproxy_connections_total{protocol=\"socks5\"} 2.0")
        .contains("zcproxy_auth_failures_total{protocol=\"socks5\",reason=\"unknown_user\"} 1.0")
        .contains("zcproxy_handshake_seconds_bucket{protocol=\"socks5\"")
        .contains("zcproxy_handshake_seconds_count{protocol=\"socks5\"} 1")
        .contains("zcproxy_tunnels_active{protocol=\"socks5\",relay=\"copy\"} 0.0")
        .contains(
            "zcproxy_bytes_relayed_total{direction=\"upstream\",protocol=\"socks5\",relay=\"copy\"}"
                + " 8.0")
        .contains(
            "zcproxy_bytes_relayed_total{direction=\"downstream\",protocol=\"socks5\",relay=\"copy\"}"
                + " 8.0");
    assertThat(scrape)
        .contains(
            "zcproxy_connections_rejected_total{protocol=\"unknown\",reason=\"unknown_protocol\"} 1.0");
  }

  private static void assertRefused(InetSocketAddress address) {
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(address, 1000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }
}
