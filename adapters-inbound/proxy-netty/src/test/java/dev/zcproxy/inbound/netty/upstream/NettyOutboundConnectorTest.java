package dev.zcproxy.inbound.netty.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.SocketTestKit;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.server.Transports;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NettyOutboundConnectorTest {
  private static final Destination SOMEWHERE = Destination.ofHost("example.com", 443);

  private Transport transport;
  private Channel inbound;
  private NettyOutboundConnector connector;

  @BeforeEach
  void start() throws Exception {
    transport = Transports.create(true, 1);
    // Any channel registered on a loop stands in for the client connection.
    inbound = transport.socketChannel().getConstructor().newInstance();
    transport.workers().next().register(inbound).sync();
    connector =
        new NettyOutboundConnector(
            transport, Duration.ofSeconds(10), new DescriptorExhaustion(new SimpleMeterRegistry()));
  }

  @AfterEach
  void stop() {
    inbound.close();
    transport.workers().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private Future<Channel> connect(int port) {
    InetSocketAddress address = new InetSocketAddress(SocketTestKit.LOOPBACK, port);
    Future<Channel> connected =
        connector.connect(
            inbound,
            new AuthorizedDestination(
                Principal.ANONYMOUS,
                Destination.ofAddress(address.getAddress(), port),
                address,
                1));
    assertThat(connected.awaitUninterruptibly(SocketTestKit.SAFETY_NET_MILLIS)).isTrue();
    return connected;
  }

  @Test
  void the_upstream_shares_the_client_loop_and_reads_only_on_request() throws IOException {
    try (EchoServer echo = new EchoServer()) {
      Channel upstream = connect(echo.port()).getNow();

      assertThat(upstream.eventLoop()).isSameAs(inbound.eventLoop());
      assertThat(upstream.config().isAutoRead()).isFalse();
      assertThat(upstream.config().getOption(ChannelOption.TCP_NODELAY)).isTrue();
      assertThat(upstream.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE)).isTrue();
      upstream.close().syncUninterruptibly();
    }
  }

  @Test
  void a_closed_port_is_connection_refused() throws IOException {
    Future<Channel> connected = connect(SocketTestKit.closedPort());

    assertThat(connected.cause()).isInstanceOf(ProxyRefusal.class);
    assertThat(((ProxyRefusal) connected.cause()).kind())
        .isEqualTo(ProxyRefusal.Kind.CONNECTION_REFUSED);
  }

  @Test
  void connect_errors_map_to_refusal_kinds() {
    assertThat(kindOf(new ConnectTimeoutException("connection timed out after 2000 ms")))
        .isEqualTo(ProxyRefusal.Kind.TIMEOUT);
    assertThat(kindOf(new ConnectException("finishConnect(..) failed: Connection timed out")))
        .isEqualTo(ProxyRefusal.Kind.TIMEOUT);
    assertThat(kindOf(new ConnectException("finishConnect(..) failed: Connection refused")))
        .isEqualTo(ProxyRefusal.Kind.CONNECTION_REFUSED);
    assertThat(kindOf(new NoRouteToHostException())).isEqualTo(ProxyRefusal.Kind.HOST_UNREACHABLE);
    assertThat(kindOf(new NoRouteToHostException("No route to host")))
        .isEqualTo(ProxyRefusal.Kind.HOST_UNREACHABLE);
    assertThat(kindOf(new SocketException("Network is unreachable")))
        .isEqualTo(ProxyRefusal.Kind.NETWORK_UNREACHABLE);
    assertThat(kindOf(new SocketException("Permission denied")))
        .isEqualTo(ProxyRefusal.Kind.GENERAL_FAILURE);
  }

  @Test
  void a_socket_the_proxy_cannot_open_is_a_general_failure_that_says_why() {
    ProxyRefusal refusal =
        NettyOutboundConnector.refusalFor(
            new ChannelException(
                "Failed to open a socket.", new IOException("Too many open files")),
            SOMEWHERE);

    assertThat(refusal.kind()).isEqualTo(ProxyRefusal.Kind.GENERAL_FAILURE);
    assertThat(refusal.getMessage())
        .isEqualTo(
            "connect to example.com:443 failed: EMFILE, the proxy is out of file descriptors or"
                + " socket memory");
  }

  private static ProxyRefusal.Kind kindOf(Throwable cause) {
    return NettyOutboundConnector.refusalFor(cause, SOMEWHERE).kind();
  }
}
