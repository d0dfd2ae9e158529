package dev.zcproxy.inbound.netty.http.h3;

import static dev.zcproxy.inbound.netty.http.h3.Http3ConnectTest.ALICE;
import static dev.zcproxy.inbound.netty.http.h3.Http3TestClient.AWAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.RecordingAccessLog;
import dev.zcproxy.inbound.netty.http.h3.masque.CapsuleDecoder;
import dev.zcproxy.inbound.netty.http.h3.masque.Capsules;
import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams;
import dev.zcproxy.inbound.netty.http.h3.masque.QuicVarint;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CONNECT-UDP (RFC 9298) through a real proxy on loopback with a Netty QUIC/HTTP-3 client: HTTP
 * Datagrams in QUIC DATAGRAM frames and in capsules, the refusals, the policy's {@code udp}
 * protocol and egress guard, and revocation.
 */
class Http3ConnectUdpTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private UdpEcho echo;
  private ProxyServer server;
  private Http3TestClient client;

  /**
   * alice may reach loopback over UDP only on the echo's port, and over TCP anywhere on loopback;
   * {@code *} (public addresses) for everything: a real policy, with the egress guard.
   */
  private PolicySnapshot policy(boolean aliceEnabled) {
    return PolicySnapshot.compile(
        new Policy(
            false,
            List.of(new User("alice", new PasswordHash("{plain}secret"), Set.of(), aliceEnabled)),
            List.of(
                new AclRule(
                    Action.ALLOW,
                    Set.of("alice"),
                    Set.of(),
                    List.of(DestinationPattern.parse("127.0.0.0/8")),
                    List.of(dev.zcproxy.domain.model.PortRange.single(echo.port())),
                    Set.of(Protocol.UDP)),
                new AclRule(
                    Action.ALLOW,
                    Set.of("alice"),
                    Set.of(),
                    List.of(DestinationPattern.parse("127.0.0.0/8")),
                    List.of(),
                    Set.of(Protocol.TCP)),
                new AclRule(
                    Action.ALLOW,
                    Set.of("alice"),
                    Set.of(),
                    List.of(DestinationPattern.parse("*")),
                    List.of(),
                    Set.of()))),
        1);
  }

  private final RecordingAccessLog accessLog = new RecordingAccessLog();

  @BeforeEach
  void start() throws Exception {
    echo = new UdpEcho();
    PolicySnapshot snapshot = policy(true);
    server =
        new ProxyServer(
            Http3ConnectTest.quicSettings(),
            new FakeAuthentication(false),
            snapshot::authorize,
            registry,
            Optional.empty(),
            true,
            accessLog);
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
    echo.close();
  }

  private Http3TestClient connect(boolean h3Datagram) throws Exception {
    client = new Http3TestClient(server.quicAddress().orElseThrow(), h3Datagram);
    return client;
  }

  static Http3Headers connectUdp(String path, String authorization) {
    Http3Headers headers =
        new DefaultHttp3Headers()
            .method("CONNECT")
            .protocol("connect-udp")
            .scheme("https")
            .authority("proxy.test")
            .path(path)
            .set("capsule-protocol", "?1");
    if (authorization != null) {
      headers.set("proxy-authorization", authorization);
    }
    return headers;
  }

  private String echoPath() {
    return "/.well-known/masque/udp/127.0.0.1/" + echo.port() + "/";
  }

  private double meter(String name, String tag, String value) {
    return registry.find(name).tag(tag, value).counter().count();
  }

  @Test
  void quic_datagrams_carry_payloads_of_1_to_1200_bytes_both_ways() throws Exception {
    Http3TestClient h3 = connect(true);
    Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
    assertThat(flow.status()).isEqualTo("200");
    assertThat(flow.response.get().get("capsule-protocol").toString()).isEqualTo("?1");
    long streamId = flow.channel.streamId();
    Random random = new Random(7);
    for (int size : new int[] {1, 2, 63, 64, 512, 1024, 1200}) {
      byte[] payload = new byte[size];
      random.nextBytes(payload);
      h3.sendDatagram(quicDatagram(streamId, 0, payload));
      byte[] back = h3.datagrams.poll(AWAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(back).as("%d bytes back", size).isNotNull();
      ByteBuf parsed = Unpooled.wrappedBuffer(back);
      HttpDatagrams.QuicDatagram answer = HttpDatagrams.parseQuicDatagram(parsed);
      assertThat(answer.streamId()).isEqualTo(streamId);
      assertThat(answer.contextId()).isZero();
      assertThat(ByteBufUtilBytes.of(answer.payload())).isEqualTo(payload);
    }
    assertThat(flow.bodySize()).as("no capsules when datagrams are on and fit").isZero();
    assertThat(meter("zcproxy.quic.streams", "kind", "connect-udp")).isEqualTo(1);
    assertThat(meter("zcproxy.quic.datagrams", "direction", "in")).isEqualTo(7);
    assertThat(meter("zcproxy.quic.datagrams", "direction", "out")).isEqualTo(7);
    assertThat(
            registry
                .find("zcproxy.bytes.relayed")
                .tags("protocol", "connect-udp", "direction", "upstream")
                .counter()
                .count())
        .isEqualTo(1 + 2 + 63 + 64 + 512 + 1024 + 1200);

    // a datagram with another context ID is dropped and counted; the flow carries on
    h3.sendDatagram(quicDatagram(streamId, 2, new byte[] {1, 2, 3}));
    await()
        .atMost(AWAIT)
        .until(() -> meter("zcproxy.quic.drops", "reason", "unknown_context") == 1);
    h3.sendDatagram(quicDatagram(streamId + 4, 0, new byte[] {1}));
    await().atMost(AWAIT).until(() -> meter("zcproxy.quic.drops", "reason", "no_flow") == 1);
    h3.sendDatagram(quicDatagram(streamId, 0, new byte[] {9}));
    assertThat(h3.datagrams.poll(AWAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    assertThat(echo.received()).isEqualTo(8);

    flow.finish(); // the client ends the flow: the proxy ends its side too
    flow.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void capsules_carry_the_flow_when_the_client_has_no_datagrams() throws Exception {
    Http3TestClient h3 = connect(false);
    Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
    assertThat(flow.status()).isEqualTo("200");
    List<byte[]> sent = new ArrayList<>();
    Random random = new Random(9);
    for (int size : new int[] {1, 64, 700, 1200}) {
      byte[] payload = new byte[size];
      random.nextBytes(payload);
      sent.add(payload);
      ByteBuf capsule =
          Capsules.encodeDatagram(ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(payload));
      flow.send(ByteBufUtilBytes.take(capsule));
    }
    // an unknown capsule type (a grease value) in between is skipped
    byte[] grease = new byte[] {(byte) 0x40, 0x29 + 0x17, 3, 7, 7, 7};
    flow.send(grease);
    int expected =
        sent.stream()
            .mapToInt(p -> p.length + 1 + 1 + QuicVarint.encodedLength(p.length + 1))
            .sum();
    await().atMost(AWAIT).until(() -> flow.bodySize() >= expected);
    List<byte[]> received = decodeCapsules(flow.body());
    assertThat(received).hasSize(4);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(received.get(i)).isEqualTo(sent.get(i));
    }
    assertThat(h3.datagrams).as("never QUIC datagrams to a client without H3_DATAGRAM").isEmpty();
    assertThat(meter("zcproxy.quic.capsules", "direction", "in")).isEqualTo(4);
    assertThat(meter("zcproxy.quic.capsules", "direction", "out")).isEqualTo(4);
  }

  @Test
  void every_flow_the_client_ends_is_ended_by_the_proxy_too() throws Exception {
    for (int i = 0; i < 40; i++) {
      Http3TestClient h3 = connect(false);
      Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
      assertThat(flow.status()).isEqualTo("200");
      for (int size : new int[] {1, 64, 512, 1200}) {
        flow.send(
            ByteBufUtilBytes.take(
                Capsules.encodeDatagram(
                    ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(new byte[size]))));
      }
      int expected = (1 + 1 + 1 + 1) + (1 + 2 + 1 + 64) + (1 + 2 + 1 + 512) + (1 + 2 + 1 + 1200);
      await().atMost(AWAIT).until(() -> flow.bodySize() >= expected);
      flow.finish();
      flow.fin.get(10, TimeUnit.SECONDS);
      h3.close();
      client = null;
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void a_truncated_capsule_at_the_end_of_the_stream_is_a_stream_error() throws Exception {
    Http3TestClient h3 = connect(false);
    Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
    assertThat(flow.status()).isEqualTo("200");
    flow.send(new byte[] {0x00, 0x20, 0x00, 1, 2}); // a DATAGRAM capsule of 32 bytes, 3 sent
    flow.finish();
    assertThat(flow.reset.get(AWAIT.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(Http3ErrorCode.H3_MESSAGE_ERROR.code());
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void a_flow_is_one_access_log_line_when_it_ends() throws Exception {
    Http3TestClient h3 = connect(false);
    Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
    assertThat(flow.status()).isEqualTo("200");
    flow.send(
        ByteBufUtilBytes.take(
            Capsules.encodeDatagram(
                ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(new byte[100]))));
    await().atMost(AWAIT).until(() -> flow.bodySize() >= 1 + 2 + 1 + 100);
    assertThat(accessLog.lines).as("nothing while the flow lasts").isEmpty();
    flow.finish();
    flow.fin.get(10, TimeUnit.SECONDS);

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.protocol()).isEqualTo("h3");
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT_UDP);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.requested()).isEqualTo("127.0.0.1:" + echo.port());
    assertThat(line.connected().getPort()).isEqualTo(echo.port());
    assertThat(line.rule()).isEqualTo(1);
    assertThat(line.relay()).isEqualTo("udp");
    assertThat(line.result()).isEqualTo(AccessResult.OK);
    assertThat(line.bytesUp()).isEqualTo(100);
    assertThat(line.bytesDown()).isEqualTo(100);
  }

  @Test
  void a_flow_a_policy_cuts_and_a_refused_flow_are_logged() throws Exception {
    Http3TestClient h3 = connect(true);
    Http3TestClient.Stream refused =
        h3.request(
            connectUdp("/.well-known/masque/udp/127.0.0.1/" + (echo.port() ^ 1) + "/", ALICE));
    assertThat(refused.status()).isEqualTo("403");
    assertThat(accessLog.awaitLine(r -> true).result()).isEqualTo(AccessResult.DENIED);

    Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
    assertThat(flow.status()).isEqualTo("200");
    h3.sendDatagram(quicDatagram(flow.channel.streamId(), 0, new byte[] {42}));
    assertThat(h3.datagrams.poll(AWAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    assertThat(server.connectionRegistry().policyInstalled(policy(false))).isOne();

    AccessRecord cut = accessLog.awaitLine(r -> r.result() != AccessResult.DENIED);
    assertThat(cut.command()).isEqualTo(AccessCommand.CONNECT_UDP);
    assertThat(cut.result()).isEqualTo(AccessResult.CLOSED_BY_POLICY);
    assertThat(cut.bytesUp()).isEqualTo(1);
    assertThat(cut.bytesDown()).isEqualTo(1);
  }

  @Test
  void the_refusals_are_responses() throws Exception {
    Http3TestClient h3 = connect(true);
    Http3TestClient.Stream noCredentials = h3.request(connectUdp(echoPath(), null));
    assertThat(noCredentials.status()).isEqualTo("407");
    assertThat(noCredentials.response.get().get("proxy-authenticate")).isNotNull();

    Http3TestClient.Stream otherPort =
        h3.request(
            connectUdp("/.well-known/masque/udp/127.0.0.1/" + (echo.port() ^ 1) + "/", ALICE));
    assertThat(otherPort.status()).as("loopback UDP only on the echo's port").isEqualTo("403");

    Http3TestClient.Stream guard =
        h3.request(connectUdp("/.well-known/masque/udp/169.254.169.254/53/", ALICE));
    assertThat(guard.status()).as("* never reaches the metadata service").isEqualTo("403");

    for (String path :
        List.of(
            "/.well-known/masque/udp//0/",
            "/.well-known/masque/udp/127.0.0.1/0/",
            "/.well-known/masque/udp/127.0.0.1/65536/",
            "/.well-known/masque/udp/" + "a".repeat(256) + "/53/",
            "/.well-known/masque/udp/127.0.0.1/53")) {
      Http3TestClient.Stream malformed = h3.request(connectUdp(path, ALICE));
      assertThat(malformed.status()).as(path).isEqualTo("400");
    }
    assertThat(echo.received()).isZero();
  }

  @Test
  void a_policy_that_disables_the_user_ends_an_open_flow() throws Exception {
    Http3TestClient h3 = connect(true);
    Http3TestClient.Stream flow = h3.request(connectUdp(echoPath(), ALICE));
    assertThat(flow.status()).isEqualTo("200");
    h3.sendDatagram(quicDatagram(flow.channel.streamId(), 0, new byte[] {42}));
    assertThat(h3.datagrams.poll(AWAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();

    assertThat(server.connectionRegistry().policyInstalled(policy(false))).isOne();
    assertThat(flow.reset.get(AWAIT.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(Http3ErrorCode.H3_REQUEST_CANCELLED.code());
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    h3.sendDatagram(quicDatagram(flow.channel.streamId(), 0, new byte[] {43}));
    await()
        .atMost(AWAIT)
        .until(
            () -> server.quicMetrics().orElseThrow().droppedCount(QuicMetrics.Drop.NO_FLOW) == 1);
    assertThat(echo.received()).isOne();
  }

  static byte[] quicDatagram(long streamId, long contextId, byte[] payload) {
    ByteBuf out = Unpooled.buffer();
    QuicVarint.write(out, streamId / 4);
    QuicVarint.write(out, contextId);
    out.writeBytes(payload);
    return ByteBufUtilBytes.take(out);
  }

  static List<byte[]> decodeCapsules(byte[] stream) throws CapsuleDecoder.MalformedCapsule {
    List<byte[]> payloads = new ArrayList<>();
    try (CapsuleDecoder decoder =
        new CapsuleDecoder(
            ByteBufAllocator.DEFAULT,
            70_000,
            new CapsuleDecoder.Listener() {
              @Override
              public void datagram(long contextId, ByteBuf payload) {
                payloads.add(ByteBufUtilBytes.take(payload));
              }

              @Override
              public void skipped(long type, long length) {}

              @Override
              public void oversize(long length) {}
            })) {
      ByteBuf in = Unpooled.wrappedBuffer(stream);
      decoder.decode(in);
      in.release();
    }
    return payloads;
  }

  /** Bytes out of buffers, releasing them. */
  static final class ByteBufUtilBytes {
    static byte[] take(ByteBuf buf) {
      try {
        return of(buf);
      } finally {
        buf.release();
      }
    }

    static byte[] of(ByteBuf buf) {
      byte[] bytes = new byte[buf.readableBytes()];
      buf.getBytes(buf.readerIndex(), bytes);
      return bytes;
    }
  }

  /** Echoes every datagram to its sender, and counts them. */
  static final class UdpEcho implements AutoCloseable {
    private final DatagramSocket socket;
    private volatile int received;

    UdpEcho() throws SocketException {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread.ofVirtual().name("udp-echo").start(this::loop);
    }

    int port() {
      return socket.getLocalPort();
    }

    int received() {
      return received;
    }

    private void loop() {
      byte[] buffer = new byte[65_535];
      while (!socket.isClosed()) {
        try {
          DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
          socket.receive(packet);
          received++;
          socket.send(
              new DatagramPacket(
                  Arrays.copyOf(packet.getData(), packet.getLength()),
                  packet.getLength(),
                  packet.getSocketAddress()));
        } catch (IOException closed) {
          return;
        }
      }
    }

    @Override
    public void close() {
      socket.close();
    }
  }
}
