package dev.zcproxy.inbound.netty.http.h2;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.http.h1.HttpTestKit;
import dev.zcproxy.inbound.netty.http.h2.Http2TestKit.ConnectionEvents;
import dev.zcproxy.inbound.netty.http.h2.Http2TestKit.Recorder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The life of HTTP/2 streams and connections: the stream idle timeout, GOAWAY on drain. */
class Http2LifecycleTest {
  private static final Duration AWAIT = Duration.ofSeconds(60);
  private static final String ALICE = HttpTestKit.basic("alice", "secret");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final EventLoopGroup clientGroup =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private EchoServer echo;
  private ProxyServer server;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws IOException {
    clientGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    if (server != null) {
      server.close();
    }
    echo.close();
  }

  private InetSocketAddress start(ProxyServerSettings settings) {
    server =
        new ProxyServer(
            settings,
            new FakeAuthentication(false),
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.empty(),
            true);
    return server.start();
  }

  private Http2Headers connectToEcho() {
    return new DefaultHttp2Headers()
        .method("CONNECT")
        .authority(LOOPBACK.getHostAddress() + ":" + echo.port())
        .set("proxy-authorization", ALICE);
  }

  @Test
  void an_idle_tunnel_stream_is_reset_while_its_connection_carries_on() throws Exception {
    // Long enough that a busy machine still sees the tunnel counted before it idles out.
    InetSocketAddress proxy =
        start(ProxyTestKit.settings().withStreamIdleTimeout(Duration.ofSeconds(3)));
    Channel connection = Http2TestKit.connect(clientGroup, proxy, new ConnectionEvents());
    Recorder tunnel = Http2TestKit.open(connection, connectToEcho(), false);
    await().atMost(AWAIT).until(() -> "200".equals(tunnel.status()));
    // The 200 goes out a moment before the tunnel is counted: wait for the count.
    await()
        .atMost(AWAIT)
        .untilAsserted(
            () -> assertThat(server.activeTunnels()).as("an HTTP/2 tunnel counts").isEqualTo(1));

    await().atMost(AWAIT).until(() -> tunnel.reset);
    assertThat(tunnel.resetCode).isEqualTo(Http2Error.CANCEL.code());
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    assertThat(connection.isActive()).as("only the stream idled out").isTrue();

    // a new stream on the same connection works
    Recorder next = Http2TestKit.open(connection, connectToEcho(), false);
    await().atMost(AWAIT).until(() -> "200".equals(next.status()));
    next.send("still here", false);
    await().atMost(AWAIT).until(() -> next.received().equals("still here"));
    connection.close().sync();
  }

  @Test
  void draining_sends_goaway_and_lets_open_streams_finish() throws Exception {
    InetSocketAddress proxy = start(ProxyTestKit.settings());
    ConnectionEvents events = new ConnectionEvents();
    Channel connection = Http2TestKit.connect(clientGroup, proxy, events);
    Recorder tunnel = Http2TestKit.open(connection, connectToEcho(), false);
    await().atMost(AWAIT).until(() -> "200".equals(tunnel.status()));
    await().atMost(AWAIT).untilAsserted(() -> assertThat(server.activeTunnels()).isEqualTo(1));

    // a drain deadline far beyond the test's patience: it ends because the stream ends
    CompletableFuture<Void> stopped =
        CompletableFuture.runAsync(() -> server.shutdown(Duration.ofMinutes(10)));
    await().atMost(AWAIT).until(() -> events.goAway != null);
    assertThat(events.goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
    assertThat(events.goAway.lastStreamId()).isEqualTo(tunnel.stream.stream().id());
    assertThat(stopped).isNotDone();

    tunnel.send("after goaway", false);
    await().atMost(AWAIT).until(() -> tunnel.received().equals("after goaway"));
    tunnel.send("", true);
    await().atMost(AWAIT).until(() -> tunnel.ended);
    stopped.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(AWAIT).until(() -> !connection.isActive());
    events.goAway.release();
    server = null;
  }
}
