package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Capsule;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.FlupkeClient;
import dev.zcproxy.it.support.FlupkeClient.Response;
import dev.zcproxy.it.support.FlupkeClient.Tunnel;
import dev.zcproxy.it.support.Http3Wire;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.OriginServer.ReceivedRequest;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.TcpEchoServer;
import dev.zcproxy.it.support.UdpEchoServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tech.kwik.flupke.HttpError;

/**
 * HTTP/3 to the proxy with an independent client: Flupke 0.9.4 on Kwik (pure Java, other authors)
 * against the real jar's QUIC port, through the proxy's Retry and self-signed certificate. CONNECT
 * to a TCP echo server, CONNECT-UDP to a UDP echo server with DATAGRAM capsules (Flupke never sends
 * {@code SETTINGS_H3_DATAGRAM}, so the proxy must answer in capsules too), and, with the QUIC
 * DATAGRAM extension turned on under Flupke, HTTP Datagrams in QUIC DATAGRAM frames.
 */
class Http3FlupkeIT {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  private static final String LOOPBACK = "127.0.0.1";
  private static final String PROXY_AUTHORIZATION = "proxy-authorization";
  private static final String ALICE =
      "Basic " + Base64.getEncoder().encodeToString("alice:wonderland".getBytes());

  @TempDir static Path workDir;

  static TcpEchoServer tcpEcho;
  static TcpEchoServer forbiddenEcho;
  static UdpEchoServer udpEcho;
  static OriginServer origin;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    tcpEcho = TcpEchoServer.start();
    forbiddenEcho = TcpEchoServer.start();
    udpEcho = UdpEchoServer.start();
    origin = OriginServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("Http3FlupkeIT")
            .policy(
                """
                users:
                  - { name: alice, password: "{plain}wonderland" }
                rules:
                  - action: deny
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                    ports: ["%d"]
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                    protocols: [tcp, udp]
                """
                    .formatted(forbiddenEcho.port()))
            .extraConfigLine("tls:\n  selfSigned: true")
            .quic()
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, tcpEcho, forbiddenEcho, udpEcho, origin);
  }

  @Test
  void settingsEnableExtendedConnectAndHttpDatagrams() throws Exception {
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      // Flupke has the SETTINGS once an extended CONNECT went through: it waits for them there.
      client.connectUdp(LOOPBACK, udpEcho.port(), PROXY_AUTHORIZATION, ALICE).out().close();

      assertThat(client.proxySetting(Http3Wire.SETTINGS_ENABLE_CONNECT_PROTOCOL)).contains(1L);
      assertThat(client.proxySetting(Http3Wire.SETTINGS_H3_DATAGRAM)).contains(1L);
    }
    proxy.assertCleanLog();
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 1024 * 1024})
  void connectRelaysBytesExactlyBothWays(int size) throws Exception {
    byte[] data = noise(size, size);
    double streamsBefore = proxy.metricSum("zcproxy_quic_streams_total", "kind=\"connect\"");
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      Tunnel tunnel =
          client.connectTcp(LOOPBACK + ":" + tcpEcho.port(), PROXY_AUTHORIZATION, ALICE);

      // Write from another thread: the echo comes back while the upload is still going.
      Future<Void> upload =
          background(
              () -> {
                OutputStream out = tunnel.out();
                for (int offset = 0; offset < data.length; offset += 16 * 1024) {
                  out.write(data, offset, Math.min(16 * 1024, data.length - offset));
                }
                out.close(); // FIN: the proxy half-closes towards the echo server
                return null;
              });

      byte[] echoed = within(() -> tunnel.in().readNBytes(size), "the echo of " + size + " bytes");
      upload.get(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(echoed.length).isEqualTo(size);
      assertThat(Arrays.equals(echoed, data)).as("the echoed bytes equal the sent ones").isTrue();
      // The echo server closes after our FIN; the proxy passes its FIN on as the stream's end.
      assertThat(within(() -> tunnel.in().read(new byte[1]), "the end of the stream"))
          .isEqualTo(-1);
    }
    assertThat(proxy.metricSum("zcproxy_quic_streams_total", "kind=\"connect\""))
        .isEqualTo(streamsBefore + 1);
    proxy.assertCleanLog();
  }

  @Test
  void connectWithoutCredentialsGets407WithAChallenge() throws Exception {
    int acceptedBefore = tcpEcho.acceptedConnections();
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      HttpError refused =
          catchThrowableOfType(
              HttpError.class, () -> client.connectTcp(LOOPBACK + ":" + tcpEcho.port()));
      assertThat(refused).as("Flupke's CONNECT without credentials").isNotNull();
      assertThat(refused.getStatusCode()).isEqualTo(407);

      // Flupke keeps only the status of a refused CONNECT: the same request again, raw.
      Response response =
          client.rawRequest(
              List.of(
                  Map.entry(":method", "CONNECT"),
                  Map.entry(":authority", LOOPBACK + ":" + tcpEcho.port())),
              false);
      assertThat(response.status()).isEqualTo(407);
      assertThat(response.first("proxy-authenticate")).startsWith("Basic realm=\"zcproxy\"");
    }
    assertThat(tcpEcho.acceptedConnections()).isEqualTo(acceptedBefore);
    proxy.assertCleanLog();
  }

  @Test
  void connectToAPortThePolicyDeniesGets403() throws Exception {
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      HttpError refused =
          catchThrowableOfType(
              HttpError.class,
              () ->
                  client.connectTcp(
                      LOOPBACK + ":" + forbiddenEcho.port(), PROXY_AUTHORIZATION, ALICE));
      assertThat(refused).as("Flupke's CONNECT to a denied port").isNotNull();
      assertThat(refused.getStatusCode()).isEqualTo(403);
    }
    assertThat(forbiddenEcho.acceptedConnections()).isZero();
    proxy.assertCleanLog();
  }

  @Test
  void connectUdpAnswers200WithTheCapsuleProtocol() throws Exception {
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      Response response =
          client.rawRequest(
              List.of(
                  Map.entry(":method", "CONNECT"),
                  Map.entry(":protocol", "connect-udp"),
                  Map.entry(":scheme", "https"),
                  Map.entry(":authority", LOOPBACK + ":" + proxy.port()),
                  Map.entry(
                      ":path", "/.well-known/masque/udp/" + LOOPBACK + "/" + udpEcho.port() + "/"),
                  Map.entry("capsule-protocol", "?1"),
                  Map.entry(PROXY_AUTHORIZATION, ALICE)),
              false);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.first("capsule-protocol")).isEqualTo("?1");
    }
    proxy.assertCleanLog();
  }

  @Test
  void connectUdpRelaysDatagramCapsulesByteExact() throws Exception {
    double capsulesOutBefore = proxy.metricSum("zcproxy_quic_capsules_total", "direction=\"out\"");
    double datagramsOutBefore =
        proxy.metricSum("zcproxy_quic_datagrams_total", "direction=\"out\"");
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      Tunnel flow =
          client.connectUdp(
              LOOPBACK, udpEcho.port(), PROXY_AUTHORIZATION, ALICE, "capsule-protocol", "?1");

      for (int size : new int[] {1, 64, 512, 1200}) {
        byte[] payload = noise(size, 1000 + size);
        flow.sendCapsule(Capsule.udpDatagram(payload));

        Capsule answer = within(flow::receiveCapsule, "a DATAGRAM capsule of " + size + " bytes");
        assertThat(answer).as("the answer to %d bytes", size).isNotNull();
        assertThat(answer.type()).isEqualTo(Capsule.DATAGRAM);
        assertThat(answer.udpPayload()).as("the echo of %d bytes", size).isEqualTo(payload);
      }
      flow.out().close();
    }
    // No SETTINGS_H3_DATAGRAM from Flupke: every answer went out as a capsule, none as a datagram.
    assertThat(proxy.metricSum("zcproxy_quic_capsules_total", "direction=\"out\""))
        .isGreaterThanOrEqualTo(capsulesOutBefore + 4);
    assertThat(proxy.metricSum("zcproxy_quic_datagrams_total", "direction=\"out\""))
        .isEqualTo(datagramsOutBefore);
    proxy.assertCleanLog();
  }

  @Test
  void connectUdpEndsItsSideOfTheStreamAfterTheClientsFin() throws Exception {
    for (int flowNumber = 1; flowNumber <= 40; flowNumber++) {
      try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
        Tunnel flow =
            client.connectUdp(
                LOOPBACK, udpEcho.port(), PROXY_AUTHORIZATION, ALICE, "capsule-protocol", "?1");
        for (int size : new int[] {1, 64, 512, 1200}) {
          flow.sendCapsule(Capsule.udpDatagram(new byte[size]));
          assertThat(within(flow::receiveCapsule, "an answer")).isNotNull();
        }

        flow.out().close();

        // RFC 9298 §3: the flow ends with the stream; the proxy's side of it ends too.
        assertThat(within(flow::receiveCapsule, "the end of flow " + flowNumber + "'s stream"))
            .isNull();
      }
    }
    proxy.assertCleanLog();
  }

  @Test
  void connectUdpRelaysQuicDatagramsWhenTheClientSentH3Datagram() throws Exception {
    try (FlupkeClient client = FlupkeClient.connectWithHttpDatagrams(proxy.port())) {
      // The proxy picks a flow's form for its answers when the flow opens, from the client's
      // SETTINGS as far as they have arrived: a SETTINGS frame still on its way means capsules
      // (which RFC 9297 allows). One exchange first makes sure the SETTINGS are in.
      client.connectTcp(LOOPBACK + ":" + tcpEcho.port(), PROXY_AUTHORIZATION, ALICE).out().close();
      Tunnel flow =
          client.connectUdp(
              LOOPBACK, udpEcho.port(), PROXY_AUTHORIZATION, ALICE, "capsule-protocol", "?1");

      // Sizes that fit one QUIC DATAGRAM frame both ways: a larger answer than the client takes
      // over the path would come back as a capsule instead.
      for (int size : new int[] {1, 64, 512, 1024}) {
        byte[] payload = noise(size, 2000 + size);
        client.sendQuicDatagram(Http3Wire.udpHttpDatagram(flow.streamId(), payload));

        byte[] answer = client.receiveQuicDatagram(ANSWER_TIMEOUT);
        assertThat(answer).as("a QUIC DATAGRAM answering %d bytes", size).isNotNull();
        assertThat(answer)
            .as("quarter stream ID, context ID 0, the echo of %d bytes", size)
            .isEqualTo(Http3Wire.udpHttpDatagram(flow.streamId(), payload));
      }
      flow.out().close();
    }
    proxy.assertCleanLog();
  }

  @Test
  void cancellingAConnectTunnelClosesItsUpstreamConnection() throws Exception {
    try (TcpEchoServer ownEcho = TcpEchoServer.start();
        FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      Tunnel tunnel =
          client.connectTcp(LOOPBACK + ":" + ownEcho.port(), PROXY_AUTHORIZATION, ALICE);
      tunnel.out().write(new byte[] {1, 2, 3});
      assertThat(within(() -> tunnel.in().readNBytes(3), "the echo")).containsExactly(1, 2, 3);
      assertThat(ownEcho.openConnections()).isEqualTo(1);

      tunnel.cancel();

      await("the upstream connection closed after the client's RESET_STREAM")
          .atMost(ANSWER_TIMEOUT)
          .until(() -> ownEcho.openConnections() == 0);
    }
    proxy.assertCleanLog();
  }

  @Test
  void cancellingAConnectUdpFlowLeavesACleanLog() throws Exception {
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      Tunnel flow = client.connectUdp(LOOPBACK, udpEcho.port(), PROXY_AUTHORIZATION, ALICE);
      flow.sendCapsule(Capsule.udpDatagram(new byte[] {1, 2, 3}));
      assertThat(within(flow::receiveCapsule, "the echo")).isNotNull();

      flow.cancel();

      await("the flow closed after the client's RESET_STREAM")
          .atMost(ANSWER_TIMEOUT)
          .until(() -> proxy.metricSum("zcproxy_tunnels_active", "protocol=\"connect-udp\"") == 0);
    }
    proxy.assertCleanLog();
  }

  @Test
  void forwardsAnHttpGetOverHttp3() throws Exception {
    String authority = LOOPBACK + ":" + origin.port();
    try (FlupkeClient client = FlupkeClient.connect(proxy.port())) {
      Response response =
          client.rawRequest(
              List.of(
                  Map.entry(":method", "GET"),
                  Map.entry(":scheme", "http"),
                  Map.entry(":authority", authority),
                  Map.entry(":path", "/hello/h3"),
                  Map.entry(PROXY_AUTHORIZATION, ALICE)),
              true);
      assertThat(response.status()).isEqualTo(200);
    }
    List<ReceivedRequest> received = origin.requestsTo("/hello/h3");
    assertThat(received).hasSize(1);
    assertThat(received.getFirst().header("Host")).containsExactly(authority);
    assertThat(received.getFirst().header("Via"))
        .singleElement()
        .asString()
        .matches("3 zcproxy-[0-9a-f]{8}");
    assertThat(received.getFirst().header("Proxy-Authorization")).isEmpty();
    proxy.assertCleanLog();
  }

  /** Deterministic bytes with every value 0-255 in them, 0xFF included (Flupke's sign bug). */
  private static byte[] noise(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static <T> Future<T> background(Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread.ofVirtual().name("h3-test-upload").start(task);
    return task;
  }

  /**
   * Runs a blocking read with a deadline, so a missing answer fails the test instead of hanging.
   */
  private static <T> T within(Callable<T> read, String what) throws Exception {
    Future<T> result = background(read);
    try {
      return result.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      result.cancel(true);
      throw new AssertionError("no " + what + " within " + ANSWER_TIMEOUT, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }
}
