package dev.zcproxy.inbound.netty.command;

import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.LOOPBACK;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.OTHER_LOOPBACK;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.connect;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.connectFrom;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.openFileDescriptors;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.readReply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit;
import dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.Reply;
import dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.TestTransport;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BindCommandTest {

  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);

  /** The client names the peer it expects, any port, and sent nothing after its request. */
  private static UdpAssociationTestKit.Command bindExpecting(InetAddress peer) {
    return bindExpecting(peer, null);
  }

  /** Like {@link #bindExpecting(InetAddress)}, with bytes that came with the request. */
  private static UdpAssociationTestKit.Command bindExpecting(InetAddress peer, byte[] earlyData) {
    AuthorizedDestination authorized =
        new AuthorizedDestination(
            Principal.ANONYMOUS, Destination.ofAddress(peer, 0), new InetSocketAddress(peer, 0), 1);
    return (ctx, context, replies) ->
        BindCommand.start(
            ctx,
            context,
            authorized,
            replies,
            "socks5",
            earlyData == null ? null : ctx.alloc().buffer().writeBytes(earlyData),
            System.nanoTime());
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void acceptsThePeerAndRelaysBothWays(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport);
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK)))) {
      Reply listening = readReply(client);
      assertThat(listening.succeeded()).isTrue();
      assertThat(listening.address().getAddress()).isEqualTo(LOOPBACK);
      assertThat(listening.address().getPort()).isPositive();

      try (Socket peer = connect(listening.address())) {
        Reply connected = readReply(client);
        assertThat(connected.address()).isEqualTo(peer.getLocalSocketAddress());

        client.getOutputStream().write(PING);
        assertThat(peer.getInputStream().readNBytes(PING.length)).isEqualTo(PING);
        peer.getOutputStream().write(PONG);
        assertThat(client.getInputStream().readNBytes(PONG.length)).isEqualTo(PONG);
        assertThat(kit.relay.started).containsExactly("socks5");
      }
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertRefusesConnections(listening.address());
    }
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void closesConnectionsFromOtherAddressesAndKeepsWaiting(TestTransport transport)
      throws Exception {
    try (var kit = new UdpAssociationTestKit(transport);
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK)))) {
      InetSocketAddress listening = readReply(client).address();

      try (Socket stranger = connectFrom(OTHER_LOOPBACK, listening)) {
        assertThat(stranger.getInputStream().read()).isEqualTo(-1);
      }
      try (Socket peer = connectFrom(LOOPBACK, listening)) {
        assertThat(readReply(client).address()).isEqualTo(peer.getLocalSocketAddress());
        peer.getOutputStream().write(PONG);
        assertThat(client.getInputStream().readNBytes(PONG.length)).isEqualTo(PONG);
      }
    }
  }

  @Test
  void givesUpWhenNoPeerComesInTime() throws Exception {
    try (var kit =
            new UdpAssociationTestKit(TestTransport.NIO).bindAcceptTimeout(Duration.ofMillis(200));
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK)))) {
      InetSocketAddress listening = readReply(client).address();

      assertThat(readReply(client).refusal()).isEqualTo(ProxyRefusal.Kind.TIMEOUT);
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertRefusesConnections(listening);
      assertThat(kit.relay.started).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void closesTheListenerWhenTheClientLeaves(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport)) {
      InetSocketAddress server = kit.serve(LOOPBACK, bindExpecting(LOOPBACK));
      // The first BIND also opens whatever the JVM opens once (jars of classes first used).
      bindAndLeave(server);
      long descriptorsBefore = openFileDescriptors();

      bindAndLeave(server);

      await()
          .untilAsserted(
              () -> assertThat(openFileDescriptors()).isLessThanOrEqualTo(descriptorsBefore));
    }
  }

  private static void bindAndLeave(InetSocketAddress server) throws Exception {
    InetSocketAddress listening;
    try (Socket client = connect(server)) {
      listening = readReply(client).address();
    }
    assertRefusesConnections(listening);
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void treatsAHalfCloseWhileWaitingAsLeaving(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport).allowHalfClosure();
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK)))) {
      InetSocketAddress listening = readReply(client).address();

      client.shutdownOutput();

      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertRefusesConnections(listening);
    }
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void passesOnBytesTheClientSentBeforeThePeerArrived(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport);
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK)))) {
      InetSocketAddress listening = readReply(client).address();
      client.getOutputStream().write(PING);

      try (Socket peer = connect(listening)) {
        assertThat(readReply(client).address()).isEqualTo(peer.getLocalSocketAddress());
        assertThat(peer.getInputStream().readNBytes(PING.length)).isEqualTo(PING);
        client.getOutputStream().write(PONG);
        assertThat(peer.getInputStream().readNBytes(PONG.length)).isEqualTo(PONG);
      }
    }
  }

  @Test
  void passesOnBytesThatCameWithTheRequestFirst() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK, PING)))) {
      InetSocketAddress listening = readReply(client).address();
      client.getOutputStream().write(PONG);

      try (Socket peer = connect(listening)) {
        assertThat(readReply(client).succeeded()).isTrue();
        byte[] expected =
            (new String(PING, StandardCharsets.US_ASCII) + "pong")
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(peer.getInputStream().readNBytes(expected.length)).isEqualTo(expected);
      }
    }
  }

  @Test
  void releasesBytesThatCameWithTheRequestWhenItGivesUp() throws Exception {
    try (var kit =
            new UdpAssociationTestKit(TestTransport.NIO).bindAcceptTimeout(Duration.ofMillis(100));
        Socket client = connect(kit.serve(LOOPBACK, bindExpecting(LOOPBACK, PING)))) {
      readReply(client);
      assertThat(readReply(client).refusal()).isEqualTo(ProxyRefusal.Kind.TIMEOUT);
    }
  }

  @Test
  void failsWhenItCannotListen() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO)) {
      InetSocketAddress server =
          kit.serve(
              LOOPBACK,
              transport ->
                  new Transport(
                      transport.name(),
                      transport.workers(),
                      UdpAssociationTestKit.UnopenableServerChannel.class,
                      transport.socketChannel(),
                      transport.datagramChannel()),
              bindExpecting(LOOPBACK));
      try (Socket client = connect(server)) {
        assertThat(readReply(client).refusal()).isEqualTo(ProxyRefusal.Kind.GENERAL_FAILURE);
        assertThat(client.getInputStream().read()).isEqualTo(-1);
      }
    }
  }

  private static void assertRefusesConnections(InetSocketAddress listening) {
    await()
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> connect(listening).close())
                    .isInstanceOf(ConnectException.class));
  }
}
