package dev.zcproxy.inbound.netty.tls;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An upstream FIN reaches a TLS client as close_notify then FIN, never as a bare FIN (which a TLS
 * client must treat as truncation), and the client's direction stays open: TLS 1.3 half-close.
 */
class TlsHalfCloseTest {

  private ServerSocket upstream;
  private ProxyServer server;

  @BeforeEach
  void listen() throws IOException {
    upstream = new ServerSocket(0, 1, LOOPBACK);
    upstream.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    upstream.close();
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsProvider.class,
      names = {"JDK", "OPENSSL"})
  void an_upstream_fin_arrives_as_close_notify_and_the_client_may_still_send(TlsProvider provider)
      throws Exception {
    server =
        new ProxyServer(
            ProxyTestKit.settings().withTls(TlsTestKit.identity(), provider),
            new FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            new SimpleMeterRegistry(),
            Optional.empty(),
            true);
    InetSocketAddress proxy = server.start();
    CompletableFuture<String> receivedAfterFin =
        CompletableFuture.supplyAsync(
            () -> {
              try (Socket accepted = upstream.accept()) {
                accepted.getOutputStream().write("banner".getBytes(StandardCharsets.US_ASCII));
                accepted.shutdownOutput();
                return new String(
                    accepted.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });

    try (TlsTunnelClient client = TlsTunnelClient.connect(proxy)) {
      client.send(new byte[] {5, 1, 0});
      assertThat(client.receive(2)).containsExactly(5, 0);
      int port = upstream.getLocalPort();
      client.send(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port});
      assertThat(client.receive(10)[1]).isZero();
      assertThat(new String(client.receive(6), StandardCharsets.US_ASCII)).isEqualTo("banner");

      assertThat(client.closeNotify.get(30, TimeUnit.SECONDS))
          .as("close_notify before the FIN")
          .isTrue();

      client.send("still talking".getBytes(StandardCharsets.US_ASCII));
      client.finish();
      assertThat(receivedAfterFin.get(30, TimeUnit.SECONDS)).isEqualTo("still talking");
    }
  }

  /**
   * A Netty TLS client that keeps its side open after the proxy's FIN, and tells a close_notify
   * (which completes {@link #closeNotify} with true) from a bare FIN (false).
   */
  private static final class TlsTunnelClient extends ChannelInboundHandlerAdapter
      implements AutoCloseable {
    private final EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final LinkedBlockingQueue<Byte> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Boolean> closeNotify = new CompletableFuture<>();
    private Channel channel;
    private SslHandler ssl;

    static TlsTunnelClient connect(InetSocketAddress proxy) throws Exception {
      TlsTunnelClient client = new TlsTunnelClient();
      SslContext context =
          SslContextBuilder.forClient()
              .sslProvider(SslProvider.JDK)
              .trustManager(InsecureTrustManagerFactory.INSTANCE)
              .build();
      client.channel =
          new Bootstrap()
              .group(client.group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      client.ssl = context.newHandler(ch.alloc());
                      ch.pipeline().addLast(client.ssl, client);
                    }
                  })
              .connect(proxy)
              .sync()
              .channel();
      client.ssl.handshakeFuture().sync();
      return client;
    }

    void send(byte[] bytes) {
      channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    byte[] receive(int count) throws InterruptedException {
      byte[] bytes = new byte[count];
      for (int i = 0; i < count; i++) {
        Byte next = received.poll(30, TimeUnit.SECONDS);
        assertThat(next).as("byte %d of %d", i, count).isNotNull();
        bytes[i] = next;
      }
      return bytes;
    }

    /** close_notify and FIN from the client's side too. */
    void finish() {
      ssl.closeOutbound().syncUninterruptibly();
      ((SocketChannel) channel).shutdownOutput().syncUninterruptibly();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf data = (ByteBuf) msg;
      try {
        while (data.isReadable()) {
          received.add(data.readByte());
        }
      } finally {
        data.release();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslCloseCompletionEvent closed) {
        closeNotify.complete(closed.isSuccess());
      } else if (event instanceof ChannelInputShutdownEvent) {
        closeNotify.complete(false); // no-op when close_notify came first
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void close() {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
