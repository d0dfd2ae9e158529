package dev.zcproxy.inbound.netty.http.h2;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.domain.port.out.AccessLog;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.RecordingAccessLog;
import dev.zcproxy.inbound.netty.SocketTestKit;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.http.HttpResponses;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CONNECT over HTTP/2 (RFC 9113 §8.5) over real loopback sockets, with a Netty HTTP/2 client and
 * h2c with prior knowledge.
 */
class Http2ProxyServerTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final String ALICE =
      "Basic "
          + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
  private static final int DENIED_PORT = 25;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingAccessLog accessLog = new RecordingAccessLog();
  private final EventLoopGroup clientGroup =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private EchoServer echo;
  private ProxyServer server;
  private InetSocketAddress proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    server = newServer(ProxyTestKit.settings(), registry, accessLog);
    proxy = server.start();
  }

  @AfterEach
  void stop() throws IOException {
    clientGroup
        .shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS)
        .syncUninterruptibly();
    server.close();
    echo.close();
  }

  private static ProxyServer newServer(ProxyServerSettings settings, SimpleMeterRegistry meters) {
    return newServer(settings, meters, AccessLog.DISABLED);
  }

  private static ProxyServer newServer(
      ProxyServerSettings settings, SimpleMeterRegistry meters, AccessLog accessLog) {
    return new ProxyServer(
        settings,
        new FakeAuthentication(false),
        ProxyTestKit.policy(request -> request.port() != DENIED_PORT),
        meters,
        Optional.empty(),
        true,
        accessLog);
  }

  @Test
  void an_h2c_connect_relays_both_ways_and_passes_the_half_close_on() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder tunnel = openConnect(connection, echoAuthority(), ALICE);

    await().atMost(AWAIT).until(() -> tunnel.status() != null);
    assertThat(tunnel.status()).isEqualTo("200");
    tunnel.send("ping over h2", false);
    await().atMost(AWAIT).until(() -> tunnel.received().equals("ping over h2"));

    tunnel.send("", true); // END_STREAM: the echo server sees a FIN and half-closes too
    await().atMost(AWAIT).until(() -> tunnel.ended);
    assertThat(tunnel.reset).isFalse();
    await().atMost(AWAIT).until(() -> activeTunnels() == 0);
    assertThat(bytes("upstream")).isEqualTo(12);
    assertThat(bytes("downstream")).isEqualTo(12);
    assertThat(registry.find("zcproxy.connections").tag("protocol", "h2").counter().count())
        .isEqualTo(1);
    connection.close().sync();
  }

  @Test
  void an_h2c_connect_is_one_access_log_line_with_its_bytes() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder tunnel = openConnect(connection, echoAuthority(), ALICE);
    await().atMost(AWAIT).until(() -> tunnel.status() != null);
    tunnel.send("ping over h2", false);
    await().atMost(AWAIT).until(() -> tunnel.received().equals("ping over h2"));
    assertThat(accessLog.lines).as("nothing while the tunnel lasts").isEmpty();

    tunnel.send("", true);
    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.protocol()).isEqualTo("h2");
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.requested()).isEqualTo(echoAuthority());
    assertThat(line.connected().getPort()).isEqualTo(echo.port());
    assertThat(line.client()).isEqualTo(connection.localAddress());
    assertThat(line.result()).isEqualTo(AccessResult.OK);
    assertThat(line.relay()).isEqualTo("copy");
    assertThat(line.bytesUp()).isEqualTo(12);
    assertThat(line.bytesDown()).isEqualTo(12);
    assertThat(line.toString()).doesNotContain("secret").doesNotContain(ALICE.substring(6));
    connection.close().sync();
  }

  @Test
  void a_connect_stream_a_policy_cuts_is_logged_closed_by_policy() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder tunnel = openConnect(connection, echoAuthority(), ALICE);
    await().atMost(AWAIT).until(() -> tunnel.status() != null);
    tunnel.send("ping over h2", false);
    await().atMost(AWAIT).until(() -> tunnel.received().equals("ping over h2"));

    var aliceDisabled =
        PolicySnapshot.compile(
            new Policy(
                false,
                List.of(new User("alice", new PasswordHash("{plain}secret"), Set.of(), false)),
                List.of()),
            2);
    assertThat(server.connectionRegistry().policyInstalled(aliceDisabled)).isOne();

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.result()).isEqualTo(AccessResult.CLOSED_BY_POLICY);
    assertThat(line.bytesUp()).isEqualTo(12);
    connection.close().sync();
  }

  @Test
  void a_refused_connect_stream_is_one_denied_line() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder tunnel = openConnect(connection, "127.0.0.1:" + DENIED_PORT, ALICE);
    await().atMost(AWAIT).until(() -> tunnel.status() != null);
    assertThat(tunnel.status()).isEqualTo("403");

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.protocol()).isEqualTo("h2");
    assertThat(line.result()).isEqualTo(AccessResult.DENIED);
    assertThat(line.rule()).isEqualTo(1);
    connection.close().sync();
  }

  @Test
  void a_policy_that_disables_the_user_resets_its_connect_stream() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder tunnel = openConnect(connection, echoAuthority(), ALICE);
    await().atMost(AWAIT).until(() -> tunnel.status() != null);
    assertThat(tunnel.status()).isEqualTo("200");
    tunnel.send("ping over h2", false);
    await().atMost(AWAIT).until(() -> tunnel.received().equals("ping over h2"));

    var aliceDisabled =
        PolicySnapshot.compile(
            new Policy(
                false,
                List.of(new User("alice", new PasswordHash("{plain}secret"), Set.of(), false)),
                List.of()),
            2);
    assertThat(server.connectionRegistry().policyInstalled(aliceDisabled)).isOne();

    await().atMost(AWAIT).until(() -> tunnel.reset || tunnel.ended);
    await().atMost(AWAIT).until(() -> activeTunnels() == 0);
    connection.close().sync();
  }

  @Test
  void two_connect_streams_share_one_connection() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder first = openConnect(connection, echoAuthority(), ALICE);
    StreamRecorder second = openConnect(connection, echoAuthority(), ALICE);
    await().atMost(AWAIT).until(() -> first.status() != null && second.status() != null);
    assertThat(first.status()).isEqualTo("200");
    assertThat(second.status()).isEqualTo("200");
    // A stream's 200 goes out a moment before its tunnel is counted: wait for the count.
    await().atMost(AWAIT).untilAsserted(() -> assertThat(activeTunnels()).isEqualTo(2));

    first.send("first stream", false);
    second.send("second stream, longer", false);

    await().atMost(AWAIT).until(() -> first.received().equals("first stream"));
    await().atMost(AWAIT).until(() -> second.received().equals("second stream, longer"));
    first.send("", true);
    second.send("", true);
    await().atMost(AWAIT).until(() -> first.ended && second.ended && activeTunnels() == 0);
    connection.close().sync();
  }

  @Test
  void a_connect_without_credentials_gets_407_with_a_challenge() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder refused = openConnect(connection, echoAuthority(), null);

    await().atMost(AWAIT).until(() -> refused.status() != null);
    assertThat(refused.status()).isEqualTo("407");
    assertThat(refused.response.get("proxy-authenticate").toString())
        .isEqualTo(HttpResponses.BASIC_CHALLENGE);
    await().atMost(AWAIT).until(() -> refused.ended);
    assertThat(
            registry
                .find("zcproxy.auth.failures")
                .tags("protocol", "h2", "reason", "no_credentials")
                .counter()
                .count())
        .isEqualTo(1);
    // the connection carries on: the next stream may log in
    StreamRecorder admitted = openConnect(connection, echoAuthority(), ALICE);
    await().atMost(AWAIT).until(() -> admitted.status() != null);
    assertThat(admitted.status()).isEqualTo("200");
    connection.close().sync();
  }

  @Test
  void a_denied_port_gets_403() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder refused = openConnect(connection, "127.0.0.1:" + DENIED_PORT, ALICE);

    await().atMost(AWAIT).until(() -> refused.status() != null);
    assertThat(refused.status()).isEqualTo("403");
    await().atMost(AWAIT).until(() -> refused.ended);
    assertThat(refused.received())
        .as("named like a forwarded request's 403")
        .isEqualTo("127.0.0.1:" + DENIED_PORT + " not allowed for alice: denied by rule 1\n");
    connection.close().sync();
  }

  @Test
  void a_closed_port_gets_502() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder refused =
        openConnect(connection, "127.0.0.1:" + SocketTestKit.closedPort(), ALICE);

    await().atMost(AWAIT).until(() -> refused.status() != null);
    assertThat(refused.status()).isEqualTo("502");
    connection.close().sync();
  }

  @Test
  void a_malformed_connect_gets_400() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder noPort = openConnect(connection, "localhost", ALICE);
    StreamRecorder withPath =
        open(
            connection,
            new DefaultHttp2Headers()
                .method("CONNECT")
                .authority(echoAuthority())
                .path("/")
                .set("proxy-authorization", ALICE),
            false);

    await().atMost(AWAIT).until(() -> noPort.status() != null && withPath.status() != null);
    assertThat(noPort.status()).isEqualTo("400");
    assertThat(withPath.status()).isEqualTo("400");
    connection.close().sync();
  }

  @Test
  void rst_stream_from_the_client_closes_the_upstream() throws Exception {
    Channel connection = connect(proxy);
    StreamRecorder tunnel = openConnect(connection, echoAuthority(), ALICE);
    await().atMost(AWAIT).until(() -> "200".equals(tunnel.status()));
    tunnel.send("before the reset", false);
    await().atMost(AWAIT).until(() -> tunnel.received().equals("before the reset"));
    assertThat(activeTunnels()).isEqualTo(1);

    tunnel.stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL)).sync();

    await().atMost(AWAIT).until(() -> activeTunnels() == 0);
    assertThat(connection.isActive()).as("only the stream ends").isTrue();
    connection.close().sync();
  }

  @Test
  void a_tunnel_to_a_slow_upstream_stops_the_client_by_flow_control() throws Exception {
    long size = 48L * 1024 * 1024;
    try (java.net.ServerSocket slow = new java.net.ServerSocket()) {
      slow.setReceiveBufferSize(64 * 1024);
      slow.bind(new InetSocketAddress(LOOPBACK, 0));
      Channel connection = connect(proxy);
      Http2Headers connect =
          new DefaultHttp2Headers()
              .method("CONNECT")
              .authority("127.0.0.1:" + slow.getLocalPort())
              .set("proxy-authorization", ALICE);
      Http2TestKit.Recorder tunnel = Http2TestKit.open(connection, connect, false);
      java.net.Socket upstream = slow.accept(); // accepted, but not read for now
      await().atMost(AWAIT).until(() -> "200".equals(tunnel.status()));
      java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
      Http2TestKit.sendPattern(tunnel, size, Http2TestKit.sha256(), sent);

      long[] last = {-1};
      await()
          .atMost(AWAIT)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                long now = sent.get();
                boolean stalled = now == last[0] && now > 0;
                last[0] = now;
                return stalled;
              });
      // one stream window in the proxy, plus the kernel's socket buffers
      assertThat(sent.get()).isLessThan(size / 2);

      long received = 0;
      byte[] buffer = new byte[64 * 1024];
      try (java.io.InputStream in = upstream.getInputStream()) {
        for (int n; received < size && (n = in.read(buffer)) > 0; ) {
          received += n;
        }
      }
      assertThat(received).isEqualTo(size);
      upstream.close();
      connection.close().sync();
    }
  }

  private String echoAuthority() {
    return LOOPBACK.getHostAddress() + ":" + echo.port();
  }

  private double activeTunnels() {
    return registry
        .find("zcproxy.tunnels.active")
        .tags("protocol", "h2", "relay", ProxyMetrics.COPY)
        .gauge()
        .value();
  }

  private double bytes(String direction) {
    return registry
        .find("zcproxy.bytes.relayed")
        .tags("protocol", "h2", "relay", ProxyMetrics.COPY, "direction", direction)
        .counter()
        .count();
  }

  private Channel connect(InetSocketAddress address) throws InterruptedException {
    return new Bootstrap()
        .group(clientGroup)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                channel.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                channel
                    .pipeline()
                    .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
              }
            })
        .connect(address)
        .sync()
        .channel();
  }

  private static StreamRecorder openConnect(Channel connection, String authority, String auth)
      throws InterruptedException {
    Http2Headers headers = new DefaultHttp2Headers().method("CONNECT").authority(authority);
    if (auth != null) {
      headers.set("proxy-authorization", auth);
    }
    return open(connection, headers, false);
  }

  private static StreamRecorder open(Channel connection, Http2Headers headers, boolean end)
      throws InterruptedException {
    StreamRecorder recorder = new StreamRecorder();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection).handler(recorder).open().sync().getNow();
    recorder.stream = stream;
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, end)).sync();
    return recorder;
  }

  /** What one client stream received. */
  private static final class StreamRecorder extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    volatile Http2StreamChannel stream;
    volatile Http2Headers response;
    volatile boolean ended;
    volatile boolean reset;

    String status() {
      Http2Headers headers = response;
      return headers == null ? null : headers.status().toString();
    }

    synchronized String received() {
      return data.toString(StandardCharsets.UTF_8);
    }

    void send(String text, boolean end) throws InterruptedException {
      ByteBuf payload = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
      stream.writeAndFlush(new DefaultHttp2DataFrame(payload, end)).sync();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers) {
          response = headers.headers();
          ended |= headers.isEndStream();
        } else if (msg instanceof Http2DataFrame frame) {
          synchronized (this) {
            frame.content().readBytes(data, frame.content().readableBytes());
          }
          ended |= frame.isEndStream();
        }
      } catch (IOException impossible) {
        throw new IllegalStateException(impossible);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof Http2ResetFrame) {
        reset = true;
      }
      ReferenceCountUtil.release(event);
    }
  }
}
