package dev.zcproxy.inbound.netty.http.h3;

import static dev.zcproxy.inbound.netty.http.h3.Http3ConnectTest.ALICE;
import static dev.zcproxy.inbound.netty.http.h3.Http3TestClient.AWAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * QUIC inside MASQUE: a QUIC client's packets travel as HTTP Datagrams of a CONNECT-UDP flow
 * through the proxy to a QUIC server on loopback, and their handshake and a stream's bytes get
 * through, which only works if every packet is relayed whole, in both directions.
 */
class QuicInMasqueTest {

  @Test
  void a_quic_handshake_and_a_stream_go_through_connect_udp() throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    TlsIdentity identity = TlsIdentity.selfSigned("localhost");
    Channel innerServer =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .handler(
                new QuicServerCodecBuilder()
                    .sslContext(
                        QuicSslContextBuilder.forServer(
                                identity.key(),
                                null,
                                identity.chain().toArray(X509Certificate[]::new))
                            .applicationProtocols("echo")
                            .build())
                    .maxIdleTimeout(30, TimeUnit.SECONDS)
                    .initialMaxData(1 << 20)
                    .initialMaxStreamDataBidirectionalRemote(1 << 20)
                    .initialMaxStreamsBidirectional(10)
                    .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                    .handler(new ChannelInboundHandlerAdapter())
                    .streamHandler(
                        new ChannelInboundHandlerAdapter() {
                          @Override
                          public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg); // echo
                          }

                          @Override
                          public boolean isSharable() {
                            return true;
                          }
                        })
                    .build())
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sync()
            .channel();
    int innerPort = ((InetSocketAddress) innerServer.localAddress()).getPort();
    ProxyServer proxy =
        new ProxyServer(
            Http3ConnectTest.quicSettings(),
            new FakeAuthentication(false),
            ProxyTestKit.policy(request -> true),
            new SimpleMeterRegistry(),
            Optional.empty(),
            true);
    proxy.start();
    try (Http3TestClient outer = new Http3TestClient(proxy.quicAddress().orElseThrow(), true);
        Shim shim = new Shim(outer)) {
      Http3TestClient.Stream flow =
          outer.request(
              Http3ConnectUdpTest.connectUdp(
                  "/.well-known/masque/udp/127.0.0.1/" + innerPort + "/", ALICE));
      assertThat(flow.status()).isEqualTo("200");
      shim.start(flow.channel.streamId());

      Channel innerSocket =
          new Bootstrap()
              .group(group)
              .channel(NioDatagramChannel.class)
              .handler(
                  new QuicClientCodecBuilder()
                      .sslContext(
                          QuicSslContextBuilder.forClient()
                              .trustManager(InsecureTrustManagerFactory.INSTANCE)
                              .applicationProtocols("echo")
                              .build())
                      .maxIdleTimeout(30, TimeUnit.SECONDS)
                      .initialMaxData(1 << 20)
                      .initialMaxStreamDataBidirectionalLocal(1 << 20)
                      .build())
              .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .sync()
              .channel();
      QuicChannel inner =
          QuicChannel.newBootstrap(innerSocket)
              .handler(new ChannelInboundHandlerAdapter())
              .remoteAddress(shim.address())
              .connect()
              .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      CompletableFuture<String> echoed = new CompletableFuture<>();
      QuicStreamChannel stream =
          inner
              .createStream(
                  QuicStreamType.BIDIRECTIONAL,
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      ByteBuf bytes = (ByteBuf) msg;
                      echoed.complete(bytes.toString(StandardCharsets.UTF_8));
                      bytes.release();
                    }
                  })
              .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      stream.writeAndFlush(Unpooled.copiedBuffer("hello through MASQUE", StandardCharsets.UTF_8));
      assertThat(echoed.get(AWAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("hello through MASQUE");
      assertThat(shim.relayed()).as("packets both ways").isGreaterThan(4);
      inner.close().sync();
      innerSocket.close().sync();
    } finally {
      proxy.close();
      innerServer.close().sync();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * A UDP socket on loopback standing for the inner QUIC server: what the inner client sends it
   * goes out as an HTTP Datagram of the flow, and what comes back in the flow's datagrams goes to
   * the inner client.
   */
  private static final class Shim implements AutoCloseable {
    private final Http3TestClient outer;
    private final DatagramSocket socket;
    private volatile SocketAddress innerClient;
    private volatile int relayed;

    Shim(Http3TestClient outer) throws SocketException {
      this.outer = outer;
      this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    int relayed() {
      return relayed;
    }

    void start(long streamId) {
      Thread.ofVirtual()
          .start(
              () -> {
                byte[] buffer = new byte[2048];
                while (!socket.isClosed()) {
                  try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    innerClient = packet.getSocketAddress();
                    byte[] payload = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                    outer.sendDatagram(Http3ConnectUdpTest.quicDatagram(streamId, 0, payload));
                    relayed++;
                  } catch (java.io.IOException closed) {
                    return;
                  }
                }
              });
      Thread.ofVirtual()
          .start(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    byte[] datagram = outer.datagrams.poll(100, TimeUnit.MILLISECONDS);
                    if (datagram == null || innerClient == null) {
                      continue;
                    }
                    ByteBuf parsed = Unpooled.wrappedBuffer(datagram);
                    byte[] payload =
                        Http3ConnectUdpTest.ByteBufUtilBytes.of(
                            HttpDatagrams.parseQuicDatagram(parsed).payload());
                    socket.send(new DatagramPacket(payload, payload.length, innerClient));
                    relayed++;
                  } catch (Exception stop) {
                    return;
                  }
                }
              });
    }

    @Override
    public void close() {
      socket.close();
    }
  }
}
