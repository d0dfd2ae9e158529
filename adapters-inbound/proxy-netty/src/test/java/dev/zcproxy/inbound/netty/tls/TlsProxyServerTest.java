package dev.zcproxy.inbound.netty.tls;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import dev.zcproxy.inbound.netty.relay.spi.TunnelHandover;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTPS-to-proxy over real loopback sockets, next to a socket relay that would take every tunnel it
 * is offered: a TLS tunnel must never be offered to it.
 */
class TlsProxyServerTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingSocketRelay socketRelay = new RecordingSocketRelay();
  private EchoServer echo;
  private ProxyServer server;
  private InetSocketAddress proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    server =
        new ProxyServer(
            // splice, not auto: a plain tunnel goes to the socket relay from its first byte
            ProxyTestKit.settings()
                .withRelay(ProxyServerSettings.RelayMode.SPLICE)
                .withTls(TlsTestKit.identity()),
            new FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.of(socketRelay),
            true);
    proxy = server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    echo.close();
  }

  @Test
  void a_tls_tunnel_takes_the_copy_relay_even_where_a_socket_relay_would_take_it()
      throws IOException {
    try (SocksClient client = SocksClient.overTls(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      assertThat(client.roundTrip("through TLS, by copy")).isEqualTo("through TLS, by copy");
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    assertThat(socketRelay.asked).as("canRelay is not even asked").isEmpty();
    assertThat(socketRelay.relayed).isEmpty();
    assertThat(bytes("socks5", ProxyMetrics.COPY, "upstream")).isEqualTo(20);
    assertThat(bytes("socks5", ProxyMetrics.COPY, "downstream")).isEqualTo(20);
    assertThat(registry.find("zcproxy.connections").tag("protocol", "tls").counter().count())
        .isEqualTo(1);
  }

  @Test
  void a_plain_tunnel_on_the_same_server_is_still_offered_to_the_socket_relay() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.closedByProxy()).isTrue(); // the fake relay ends every tunnel at once
    }
    await().atMost(AWAIT).until(() -> socketRelay.relayed.size() == 1);
    assertThat(socketRelay.asked).hasSize(1);
  }

  private void restartWithAuto() throws IOException {
    server.close();
    server =
        new ProxyServer(
            ProxyTestKit.settings().withTls(TlsTestKit.identity()),
            new FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.of(socketRelay),
            true);
    proxy = server.start();
  }

  /** Writes {@code length} bytes from another thread while this one reads what comes back. */
  private static long stream(SocksClient client, int length) throws Exception {
    try (var writer = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      writer.submit(
          () -> {
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < length; sent += chunk.length) {
              client.out.write(chunk);
            }
            return null;
          });
      byte[] buffer = new byte[64 * 1024];
      long received = 0;
      try {
        for (int n; received < length && (n = client.in.read(buffer)) >= 0; ) {
          received += n;
        }
      } catch (java.net.SocketException closedByTheFakeRelay) {
        // the recording relay ends the tunnel as soon as it has it
      }
      return received;
    }
  }

  @Test
  void auto_keeps_a_short_exchange_on_copy_and_offers_a_streaming_tunnel() throws Exception {
    restartWithAuto();
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("short")).isEqualTo("short");
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    assertThat(socketRelay.relayed).as("a short exchange stays on copy").isEmpty();

    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      stream(client, 16 * 1024 * 1024);
    }
    await().atMost(AWAIT).until(() -> socketRelay.relayed.size() == 1);
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void auto_never_offers_a_streaming_tunnel_inside_tls() throws Exception {
    restartWithAuto();
    int length = 16 * 1024 * 1024;
    try (SocksClient client = SocksClient.overTls(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();

      assertThat(stream(client, length)).isEqualTo(length);
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    assertThat(socketRelay.asked).isEmpty();
    assertThat(socketRelay.relayed).isEmpty();
    assertThat(bytes("socks5", ProxyMetrics.COPY, "downstream")).isEqualTo(length);
  }

  private double bytes(String protocol, String relay, String direction) {
    return registry
        .find("zcproxy.bytes.relayed")
        .tags("protocol", protocol, "relay", relay, "direction", direction)
        .counter()
        .count();
  }

  /** Takes every tunnel it is asked about, and ends it at once. */
  private static final class RecordingSocketRelay implements SocketRelay {
    final List<Channel> asked = new CopyOnWriteArrayList<>();
    final List<Channel> relayed = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "splice";
    }

    @Override
    public Optional<String> unavailability() {
      return Optional.empty();
    }

    @Override
    public boolean canRelay(Channel client, Channel upstream) {
      asked.add(client);
      return true;
    }

    @Override
    public void relay(TunnelHandover handover) {
      relayed.add(handover.client());
      if (handover.pendingToUpstream() != null) {
        handover.pendingToUpstream().release();
      }
      if (handover.pendingToClient() != null) {
        handover.pendingToClient().release();
      }
      handover.observer().closed(TunnelEnding.CLOSED);
      handover.client().close();
      handover.upstream().close();
    }
  }
}
