package dev.zcproxy.inbound.netty.http.h3;

import static dev.zcproxy.inbound.netty.http.h3.Http3ConnectTest.ALICE;
import static dev.zcproxy.inbound.netty.http.h3.Http3TestClient.AWAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.io.File;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * QUIC's limits and abuse cases against a real proxy: garbage on the UDP port, stream open/cancel
 * churn (the HTTP/3 Rapid Reset), connections per source, a UDP port that is taken, and fds and
 * connections back at their baselines after many connections.
 */
class Http3LimitsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private EchoServer echo;
  private ProxyServer server;

  @BeforeEach
  void start() throws Exception {
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    echo.close();
  }

  private InetSocketAddress startServer(ProxyServerSettings settings) {
    server = Http3ConnectTest.newServer(settings, registry);
    server.start();
    return server.quicAddress().orElseThrow();
  }

  private QuicMetrics quic() {
    return server.quicMetrics().orElseThrow();
  }

  @Test
  void udp_garbage_is_dropped_and_counted_and_the_port_serves_on() throws Exception {
    InetSocketAddress quic = startServer(Http3ConnectTest.quicSettings());
    Random random = new Random(1);
    try (DatagramSocket socket = new DatagramSocket()) {
      for (int i = 0; i < 500; i++) {
        byte[] junk = new byte[1 + random.nextInt(1400)];
        random.nextBytes(junk);
        junk[0] &= (byte) (i % 2 == 0 ? 0xBF : 0xFF); // half of them without the fixed bit
        socket.send(new DatagramPacket(junk, junk.length, quic));
      }
    }
    await().atMost(AWAIT).until(() -> quic().droppedCount(QuicMetrics.Drop.NOT_QUIC) >= 250);
    try (Http3TestClient client = new Http3TestClient(quic, false)) {
      Http3TestClient.Stream tunnel =
          client.request(Http3ConnectTest.connect("127.0.0.1:" + echo.port(), ALICE));
      assertThat(tunnel.status()).isEqualTo("200");
    }
    assertThat(quic().openConnections()).isLessThanOrEqualTo(1);
  }

  @Test
  void opening_and_cancelling_streams_in_a_loop_closes_the_connection_with_h3_excessive_load()
      throws Exception {
    InetSocketAddress quic = startServer(Http3ConnectTest.quicSettings());
    try (Http3TestClient client = new Http3TestClient(quic, false)) {
      for (int i = 0;
          i <= Http3Session.MAX_CANCELLED_STREAMS + 50 && !client.closedBy.isDone();
          i++) {
        Http3TestClient.Stream stream =
            openWhenCreditAllows(
                client, Http3ConnectTest.connect("127.0.0.1:" + echo.port(), ALICE));
        if (stream == null) {
          break; // the connection is gone
        }
        stream.channel.shutdown(Http3ErrorCode.H3_REQUEST_CANCELLED.code());
      }
      QuicConnectionCloseEvent close = client.closedBy.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(close.isApplicationClose()).isTrue();
      assertThat(close.error()).isEqualTo(Http3ErrorCode.H3_EXCESSIVE_LOAD.code());
    }
    await().atMost(AWAIT).until(() -> quic().openConnections() == 0);
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  /**
   * Opens a request stream; while the proxy has not yet granted credit for another stream
   * (MAX_STREAMS follows the cancelled streams' cleanup), waits and tries again, as a client
   * blocked on stream credit would. Null once the connection is gone.
   */
  private static Http3TestClient.Stream openWhenCreditAllows(
      Http3TestClient client, Http3Headers request) {
    AtomicReference<Http3TestClient.Stream> opened = new AtomicReference<>();
    await()
        .atMost(AWAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              try {
                opened.set(client.request(request));
                return true;
              } catch (Exception refused) {
                boolean noCredit = String.valueOf(refused.getMessage()).contains("STREAM_LIMIT");
                return !noCredit || client.closedBy.isDone(); // gone: stop, with null
              }
            });
    return opened.get();
  }

  @Test
  void connections_past_the_per_source_limit_are_refused() throws Exception {
    InetSocketAddress quic =
        startServer(
            ProxyTestKit.settings()
                .withTls(dev.zcproxy.inbound.netty.tls.TlsIdentity.selfSigned("localhost"))
                .withQuic(new ProxyServerSettings.Quic(true, 0, 1, Duration.ofSeconds(30), 100)));
    try (Http3TestClient first = new Http3TestClient(quic, false)) {
      try (Http3TestClient second = new Http3TestClient(quic, false)) {
        QuicConnectionCloseEvent refused = second.closedBy.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(refused.isApplicationClose()).isFalse();
        assertThat(refused.error()).as("CONNECTION_REFUSED").isEqualTo(0x2);
      }
      assertThat(registry.find("zcproxy.quic.connections.refused").counter().count()).isOne();
      Http3TestClient.Stream tunnel =
          first.request(Http3ConnectTest.connect("127.0.0.1:" + echo.port(), ALICE));
      assertThat(tunnel.status()).as("the first one carries on").isEqualTo("200");
    }
    await().atMost(AWAIT).until(() -> quic().openConnections() == 0);
    try (Http3TestClient again = new Http3TestClient(quic, false)) {
      assertThat(again.connection.isActive()).as("the count was given back").isTrue();
    }
  }

  @Test
  void a_udp_port_that_is_taken_fails_the_start_saying_so() throws Exception {
    try (DatagramSocket taken = udpPortWhoseTcpPortIsFree()) {
      ProxyServerSettings settings = Http3ConnectTest.quicSettings();
      ProxyServerSettings onTakenPort =
          new ProxyServerSettings(
                  new InetSocketAddress("127.0.0.1", taken.getLocalPort()),
                  settings.relay(),
                  settings.timeouts(),
                  settings.limits())
              .withTls(settings.tls().identity().orElseThrow())
              .withQuic(ProxyServerSettings.Quic.on());
      ProxyServer refused = Http3ConnectTest.newServer(onTakenPort, registry);
      assertThatThrownBy(refused::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "cannot listen on UDP 127.0.0.1:" + taken.getLocalPort() + " for QUIC");
      refused.close();
    }
  }

  @Test
  void a_reloaded_certificate_serves_new_quic_connections() throws Exception {
    InetSocketAddress quic = startServer(Http3ConnectTest.quicSettings());
    dev.zcproxy.inbound.netty.tls.TlsIdentity renewed =
        dev.zcproxy.inbound.netty.tls.TlsIdentity.selfSigned("renewed.test");
    try (Http3TestClient before = new Http3TestClient(quic, false)) {
      assertThat(peerSubject(before)).contains("CN=localhost");
      server.reloadTls(renewed);
      try (Http3TestClient after = new Http3TestClient(quic, false)) {
        assertThat(peerSubject(after)).contains("CN=renewed.test");
      }
      Http3TestClient.Stream tunnel =
          before.request(Http3ConnectTest.connect("127.0.0.1:" + echo.port(), ALICE));
      assertThat(tunnel.status()).as("open connections keep theirs").isEqualTo("200");
    }
  }

  private static String peerSubject(Http3TestClient client) throws Exception {
    return ((java.security.cert.X509Certificate)
            client.connection.sslEngine().getSession().getPeerCertificates()[0])
        .getSubjectX500Principal()
        .getName();
  }

  @Test
  void a_handshake_that_does_not_finish_in_time_is_closed() throws Exception {
    ProxyServerSettings quick =
        Http3ConnectTest.quicSettings()
            .withTimeouts(
                new ProxyServerSettings.Timeouts(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(60)));
    InetSocketAddress quic = startServer(quick);
    java.util.concurrent.CountDownLatch stalled = new java.util.concurrent.CountDownLatch(1);
    javax.net.ssl.X509ExtendedTrustManager stalling =
        new javax.net.ssl.X509ExtendedTrustManager() {
          private void stall() {
            try {
              stalled.await(20, TimeUnit.SECONDS); // the client never finishes its handshake
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

          @Override
          public void checkClientTrusted(
              java.security.cert.X509Certificate[] c, String a, java.net.Socket s) {}

          @Override
          public void checkClientTrusted(
              java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}

          @Override
          public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            stall();
          }

          @Override
          public void checkServerTrusted(
              java.security.cert.X509Certificate[] c, String a, java.net.Socket s) {
            stall();
          }

          @Override
          public void checkServerTrusted(
              java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {
            stall();
          }

          @Override
          public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
          }
        };
    io.netty.channel.EventLoopGroup group =
        new io.netty.channel.MultiThreadIoEventLoopGroup(
            1, io.netty.channel.nio.NioIoHandler.newFactory());
    try {
      io.netty.channel.Channel socket =
          new io.netty.bootstrap.Bootstrap()
              .group(group)
              .channel(io.netty.channel.socket.nio.NioDatagramChannel.class)
              .handler(
                  io.netty.handler.codec.http3.Http3.newQuicClientCodecBuilder()
                      .sslContext(
                          io.netty.handler.codec.quic.QuicSslContextBuilder.forClient()
                              .trustManager(stalling)
                              .applicationProtocols("h3")
                              .build())
                      .maxIdleTimeout(30, TimeUnit.SECONDS)
                      .build())
              .bind(0)
              .sync()
              .channel();
      io.netty.handler.codec.quic.QuicChannel.newBootstrap(socket)
          .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
          .remoteAddress(quic)
          .connect();
      await().atMost(AWAIT).until(() -> quic().openConnections() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> quic().openConnections() == 0);
      stalled.countDown();
      socket.close().sync();
    } finally {
      stalled.countDown();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** A UDP socket on loopback whose port number is free over TCP (checked just before). */
  private static DatagramSocket udpPortWhoseTcpPortIsFree() throws java.io.IOException {
    for (int attempt = 0; ; attempt++) {
      DatagramSocket udp = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
      try (java.net.ServerSocket tcp =
          new java.net.ServerSocket(
              udp.getLocalPort(), 1, java.net.InetAddress.getLoopbackAddress())) {
        return udp;
      } catch (java.io.IOException tcpTaken) {
        udp.close();
        if (attempt == 20) {
          throw tcpTaken;
        }
      }
    }
  }

  @Test
  void quic_without_a_tls_identity_is_refused_naming_the_key() {
    assertThatThrownBy(() -> ProxyTestKit.settings().withQuic(ProxyServerSettings.Quic.on()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("quic.enabled");
  }

  @Test
  void after_a_thousand_connections_fds_and_connections_are_back_at_their_baselines()
      throws Exception {
    InetSocketAddress quic = startServer(Http3ConnectTest.quicSettings());
    try (Http3TestClient warmUp = new Http3TestClient(quic, false)) {
      warmUp.request(Http3ConnectTest.connect("127.0.0.1:" + echo.port(), ALICE)).status();
    }
    await().atMost(AWAIT).until(() -> quic().openConnections() == 0 && server.activeTunnels() == 0);
    long fdsBefore = openFds();
    for (int i = 0; i < 1000; i++) {
      try (Http3TestClient client = new Http3TestClient(quic, false)) {
        if (i % 100 == 0) {
          Http3TestClient.Stream tunnel =
              client.request(Http3ConnectTest.connect("127.0.0.1:" + echo.port(), ALICE));
          assertThat(tunnel.status()).isEqualTo("200");
        }
      }
    }
    await().atMost(AWAIT).until(() -> quic().openConnections() == 0 && server.activeTunnels() == 0);
    await()
        .atMost(AWAIT)
        .untilAsserted(() -> assertThat(openFds()).isLessThanOrEqualTo(fdsBefore + 4));
    assertThat(registry.find("zcproxy.quic.connections").counter().count()).isEqualTo(1001);
  }

  private static long openFds() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }
}
