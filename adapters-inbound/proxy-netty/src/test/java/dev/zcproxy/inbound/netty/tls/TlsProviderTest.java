package dev.zcproxy.inbound.netty.tls;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.OpenSsl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both TLS providers serve HTTPS-to-proxy over real sockets, and a reloaded identity reaches new
 * connections while established ones keep theirs.
 */
class TlsProviderTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private EchoServer echo;
  private ProxyServer server;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    echo.close();
  }

  @Test
  void boringssl_loads_on_this_platform() {
    // netty-tcnative-boringssl-static for linux-x86_64 ships with the proxy; auto must find it
    assertThat(OpenSsl.unavailabilityCause()).isNull();
  }

  @ParameterizedTest
  @EnumSource(TlsProvider.class)
  void each_provider_carries_a_tunnel(TlsProvider provider) throws IOException {
    InetSocketAddress proxy = start(provider, TlsTestKit.identity());

    try (SocksClient client = SocksClient.overTls(proxy)) {
      client.socks5Anonymous();
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("over " + provider)).isEqualTo("over " + provider);
    }
    assertThat(server.tlsProviderName()).contains(provider == TlsProvider.JDK ? "jdk" : "openssl");
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsProvider.class,
      names = {"JDK", "OPENSSL"})
  void a_reloaded_identity_serves_new_connections_and_old_ones_keep_theirs(TlsProvider provider)
      throws IOException {
    TlsIdentity first = TlsTestKit.identity();
    TlsIdentity renewed = TlsIdentity.selfSigned("renewed.test");
    InetSocketAddress proxy = start(provider, first);

    try (SSLSocket before = handshake(proxy)) {
      server.reloadTls(renewed);

      try (SSLSocket after = handshake(proxy)) {
        assertThat(leaf(after)).isEqualTo(renewed.chain().getFirst());
      }
      assertThat(leaf(before)).isEqualTo(first.chain().getFirst());
      // the connection that started before the reload still works: a SOCKS5 greeting answers
      before.getOutputStream().write(new byte[] {5, 1, 0});
      before.getOutputStream().flush();
      assertThat(before.getInputStream().readNBytes(2)).containsExactly(5, 0);
    }
  }

  @Test
  void reloading_without_tls_is_refused() {
    server =
        new ProxyServer(
            ProxyTestKit.settings(),
            new FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.empty(),
            true);
    server.start();

    assertThatThrownBy(() -> server.reloadTls(TlsTestKit.identity()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TLS is not configured");
  }

  private InetSocketAddress start(TlsProvider provider, TlsIdentity identity) {
    server =
        new ProxyServer(
            ProxyTestKit.settings().withTls(identity, provider),
            new FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.empty(),
            true);
    return server.start();
  }

  private static SSLSocket handshake(InetSocketAddress proxy) throws IOException {
    SSLSocket socket =
        (SSLSocket)
            TlsTestKit.trustingClientContext()
                .getSocketFactory()
                .createSocket(proxy.getAddress(), proxy.getPort());
    socket.setSoTimeout(30_000);
    socket.startHandshake();
    return socket;
  }

  private static Certificate leaf(SSLSocket socket) throws IOException {
    return socket.getSession().getPeerCertificates()[0];
  }
}
