package dev.zcproxy.inbound.netty.socks.v5.udp;

import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.IO_TIMEOUT_MILLIS;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.LOOPBACK;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.LOOPBACK6;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.OTHER_LOOPBACK;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.connect;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.openFileDescriptors;
import static dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.readReply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.AclRule;
import dev.zcproxy.domain.model.Action;
import dev.zcproxy.domain.model.DestinationPattern;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.Reply;
import dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.TestTransport;
import dev.zcproxy.inbound.netty.socks.v5.udp.UdpAssociationTestKit.UdpEcho;
import dev.zcproxy.inbound.netty.udp.UdpSession;
import dev.zcproxy.inbound.netty.udp.UdpSession.DropReason;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class UdpAssociationTest {

  private static final String METRICS = Socks5UdpAssociate.METRICS_LABEL;

  /** What the client gets back from the relay: the header's source, and the payload. */
  private record Answer(int fragment, InetSocketAddress source, byte[] payload) {}

  /** A UDP ASSOCIATE whose request carried {@code hint} as DST.ADDR and DST.PORT. */
  private static UdpAssociationTestKit.Command associate(Destination hint) {
    return (ctx, context, replies) ->
        Socks5UdpAssociate.start(ctx.channel(), context, Principal.ANONYMOUS, hint, replies);
  }

  private static UdpAssociationTestKit.Command associate() {
    return associate(Destination.ofAddress(InetAddress.ofLiteral("0.0.0.0"), 0));
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void relaysARoundTripOverIpv4(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      Reply reply = readReply(control);
      assertThat(reply.succeeded()).isTrue();
      assertThat(reply.address().getAddress()).isEqualTo(LOOPBACK);

      send(client, reply.address(), request(echo.address, "hello"));

      Answer answer = receive(client);
      assertThat(answer.fragment()).isZero();
      assertThat(answer.source()).isEqualTo(echo.address);
      assertThat(text(answer)).isEqualTo("hello");
      assertThat(kit.metrics.count("opened:" + METRICS)).isOne();
      await()
          .untilAsserted(
              () -> {
                assertThat(kit.metrics.count("bytes:" + METRICS + ":upstream")).isEqualTo(5);
                assertThat(kit.metrics.count("bytes:" + METRICS + ":downstream")).isEqualTo(5);
              });
    }
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void relaysARoundTripOverIpv6(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport);
        Socket control = connect(kit.serve(LOOPBACK6, associate()));
        DatagramSocket client = udpSocket(LOOPBACK6)) {
      UdpEcho echo = kit.echo(LOOPBACK6);
      Reply reply = readReply(control);
      assertThat(reply.address().getAddress()).isEqualTo(LOOPBACK6);

      send(client, reply.address(), request(echo.address, "hello over v6"));

      Answer answer = receive(client);
      assertThat(answer.source()).isEqualTo(echo.address);
      assertThat(text(answer)).isEqualTo("hello over v6");
    }
  }

  /** A policy that refuses a destination the association was allowed ends the association. */
  @Test
  void aPolicyRefusingAnAllowedDestinationClosesTheAssociation() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay = readReply(control).address();
      send(client, relay, request(echo.address, "hello"));
      assertThat(text(receive(client))).isEqualTo("hello");
      await().until(() -> kit.tunnels.size() == 1);
      var allowing =
          PolicySnapshot.compile(
              new Policy(
                  true,
                  List.of(),
                  List.of(
                      new AclRule(
                          Action.ALLOW,
                          Set.of(),
                          Set.of(),
                          List.of(DestinationPattern.parse("127.0.0.0/8")),
                          List.of(),
                          Set.of()))),
              2);
      var refusing = PolicySnapshot.compile(new Policy(true, List.of(), List.of()), 3);

      assertThat(kit.tunnels.policyInstalled(allowing)).isZero();
      assertThat(kit.tunnels.policyInstalled(refusing)).isOne();

      control.setSoTimeout(IO_TIMEOUT_MILLIS);
      assertThat(control.getInputStream().read()).isEqualTo(-1);
      await().until(() -> kit.tunnels.size() == 0);
    }
  }

  @Test
  void sendsToADomainNameThroughTheGateOnce() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      kit.gate.hosts.put("localhost", LOOPBACK);
      InetSocketAddress relay = readReply(control).address();
      Destination byName = Destination.ofHost("localhost", echo.address.getPort());

      for (String word : new String[] {"one", "two", "three"}) {
        send(client, relay, request(byName, word));
        Answer answer = receive(client);
        assertThat(answer.source()).isEqualTo(echo.address);
        assertThat(text(answer)).isEqualTo(word);
      }
      assertThat(kit.gate.askedFor(byName)).isOne();
    }
  }

  @Test
  void holdsDatagramsWhileTheGateDecides() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      kit.gate.holdDecisions = true;
      InetSocketAddress relay = readReply(control).address();

      UdpSession association = association(kit);
      send(client, relay, request(echo.address, "first"));
      send(client, relay, request(echo.address, "second"));
      // One socket's datagrams are read in order: once this one is counted, both are waiting.
      send(client, relay, new byte[] {0});
      await().until(() -> association.dropped(DropReason.MALFORMED) == 1);
      kit.gate.decideHeld();

      assertThat(text(receive(client))).isEqualTo("first");
      assertThat(text(receive(client))).isEqualTo("second");
      assertThat(kit.gate.asked).hasSize(1);
      assertThat(association.dropped(DropReason.BACKLOG)).isZero();
    }
  }

  @Test
  void dropsDatagramsToRefusedDestinations() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho allowed = kit.echo(LOOPBACK);
      UdpEcho forbidden = kit.echo(LOOPBACK);
      kit.gate.policy = address -> !address.equals(forbidden.address);
      InetSocketAddress relay = readReply(control).address();
      UdpSession association = association(kit);

      send(client, relay, request(forbidden.address, "not for you"));
      send(client, relay, request(forbidden.address, "still not"));
      send(client, relay, request(allowed.address, "fine"));

      assertThat(text(receive(client))).isEqualTo("fine");
      assertThat(association.dropped(DropReason.REFUSED)).isEqualTo(2);
      assertThat(forbidden.senders).isEmpty();
      assertThat(kit.gate.askedFor(Destination.ofAddress(LOOPBACK, forbidden.address.getPort())))
          .isOne();
    }
  }

  @Test
  void dropsDatagramsFromAnyoneButTheClient() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK);
        DatagramSocket otherHost = udpSocket(OTHER_LOOPBACK);
        DatagramSocket otherPort = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay = readReply(control).address();
      UdpSession association = association(kit);

      send(otherHost, relay, request(echo.address, "from another address"));
      await().until(() -> association.dropped(DropReason.FOREIGN_SOURCE) == 1);
      send(client, relay, request(echo.address, "pins the port"));
      assertThat(text(receive(client))).isEqualTo("pins the port");
      send(otherPort, relay, request(echo.address, "from another port"));
      send(client, relay, request(echo.address, "still the client"));

      assertThat(text(receive(client))).isEqualTo("still the client");
      assertThat(association.dropped(DropReason.FOREIGN_SOURCE)).isEqualTo(2);
      assertThat(echo.senders).hasSize(2);
    }
  }

  @Test
  void takesTheClientPortFromTheRequest() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        DatagramSocket client = udpSocket(LOOPBACK);
        DatagramSocket otherPort = udpSocket(LOOPBACK);
        Socket control =
            connect(
                kit.serve(
                    LOOPBACK, associate(Destination.ofAddress(LOOPBACK, client.getLocalPort()))))) {
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay = readReply(control).address();
      UdpSession association = association(kit);

      send(otherPort, relay, request(echo.address, "first, but from elsewhere"));
      send(client, relay, request(echo.address, "from the announced port"));

      assertThat(text(receive(client))).isEqualTo("from the announced port");
      assertThat(association.dropped(DropReason.FOREIGN_SOURCE)).isOne();
    }
  }

  @Test
  void disregardsAHintNamingAnotherAddress() throws Exception {
    Destination natHint = Destination.ofAddress(InetAddress.ofLiteral("192.168.1.20"), 40000);
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate(natHint)));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay = readReply(control).address();

      send(client, relay, request(echo.address, "behind NAT"));

      assertThat(text(receive(client))).isEqualTo("behind NAT");
    }
  }

  @Test
  void dropsFragmentsAndMalformedDatagrams() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay = readReply(control).address();
      UdpSession association = association(kit);
      byte[] fragment = request(echo.address, "fragment");
      fragment[2] = 1;
      byte[] reserved = request(echo.address, "reserved");
      reserved[0] = 1;

      send(client, relay, fragment);
      send(client, relay, reserved);
      send(client, relay, new byte[] {0, 0});
      send(client, relay, request(echo.address, "whole"));

      assertThat(text(receive(client))).isEqualTo("whole");
      assertThat(association.dropped(DropReason.FRAGMENTED)).isOne();
      assertThat(association.dropped(DropReason.MALFORMED)).isEqualTo(2);
      assertThat(echo.senders).hasSize(1);
    }
  }

  @Test
  void dropsAnswersFromAddressesItNeverSentTo() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO);
        Socket control = connect(kit.serve(LOOPBACK, associate()));
        DatagramSocket client = udpSocket(LOOPBACK);
        DatagramSocket stranger = udpSocket(LOOPBACK)) {
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay = readReply(control).address();
      UdpSession association = association(kit);
      send(client, relay, request(echo.address, "first"));
      assertThat(text(receive(client))).isEqualTo("first");
      InetSocketAddress upstream = echo.senders.peek();

      send(stranger, upstream, "unasked for".getBytes(StandardCharsets.US_ASCII));
      await().until(() -> association.dropped(DropReason.UNSOLICITED) == 1);
      send(client, relay, request(echo.address, "second"));

      assertThat(text(receive(client))).isEqualTo("second");
    }
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void endsWhenTheControlConnectionCloses(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport);
        DatagramSocket client = udpSocket(LOOPBACK)) {
      InetSocketAddress server = kit.serve(LOOPBACK, associate());
      UdpEcho echo = kit.echo(LOOPBACK);
      InetSocketAddress relay;
      try (Socket control = connect(server)) {
        relay = readReply(control).address();
        send(client, relay, request(echo.address, "ping"));
        assertThat(text(receive(client))).isEqualTo("ping");
      }

      await().until(() -> kit.metrics.count("closed:" + METRICS) == 1);
      assertPortIsFree(relay);
    }
  }

  @Test
  void endsWhenTheClientHalfCloses() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.EPOLL).allowHalfClosure();
        Socket control = connect(kit.serve(LOOPBACK, associate()))) {
      InetSocketAddress relay = readReply(control).address();

      control.getOutputStream().write("ignored".getBytes(StandardCharsets.US_ASCII));
      control.shutdownOutput();

      assertThat(control.getInputStream().read()).isEqualTo(-1);
      await().until(() -> kit.metrics.count("closed:" + METRICS) == 1);
      assertPortIsFree(relay);
    }
  }

  @Test
  void endsWhenIdle() throws Exception {
    try (var kit =
            new UdpAssociationTestKit(TestTransport.NIO).idleTimeout(Duration.ofMillis(200));
        Socket control = connect(kit.serve(LOOPBACK, associate()))) {
      InetSocketAddress relay = readReply(control).address();

      assertThat(control.getInputStream().read()).isEqualTo(-1);
      await().until(() -> kit.metrics.count("closed:" + METRICS) == 1);
      assertPortIsFree(relay);
    }
  }

  @ParameterizedTest
  @EnumSource(TestTransport.class)
  void leavesNoFileDescriptorsOpen(TestTransport transport) throws Exception {
    try (var kit = new UdpAssociationTestKit(transport)) {
      InetSocketAddress server = kit.serve(LOOPBACK, associate());
      UdpEcho echo = kit.echo(LOOPBACK);
      // The first association also opens whatever the JVM opens once (jars of classes first used).
      roundTripAndClose(server, echo);
      await().until(() -> kit.metrics.count("closed:" + METRICS) == 1);
      long descriptorsBefore = openFileDescriptors();

      roundTripAndClose(server, echo);

      await().until(() -> kit.metrics.count("closed:" + METRICS) == 2);
      await()
          .untilAsserted(
              () -> assertThat(openFileDescriptors()).isLessThanOrEqualTo(descriptorsBefore));
    }
  }

  @Test
  void failsWhenItCannotOpenItsSockets() throws Exception {
    try (var kit = new UdpAssociationTestKit(TestTransport.NIO)) {
      InetSocketAddress server =
          kit.serve(
              LOOPBACK,
              transport ->
                  new Transport(
                      transport.name(),
                      transport.workers(),
                      transport.serverChannel(),
                      transport.socketChannel(),
                      UdpAssociationTestKit.UnopenableDatagramChannel.class),
              associate());
      refusedAndClosed(server);
      long descriptorsBefore = openFileDescriptors();

      refusedAndClosed(server);

      assertThat(kit.metrics.count("opened:" + METRICS)).isZero();
      await()
          .untilAsserted(
              () -> assertThat(openFileDescriptors()).isLessThanOrEqualTo(descriptorsBefore));
    }
  }

  private static void roundTripAndClose(InetSocketAddress server, UdpEcho echo) throws IOException {
    try (Socket control = connect(server);
        DatagramSocket client = udpSocket(LOOPBACK)) {
      InetSocketAddress relay = readReply(control).address();
      send(client, relay, request(echo.address, "ping"));
      assertThat(text(receive(client))).isEqualTo("ping");
    }
  }

  private static void refusedAndClosed(InetSocketAddress server) throws IOException {
    try (Socket control = connect(server)) {
      assertThat(readReply(control).refusal()).isEqualTo(ProxyRefusal.Kind.GENERAL_FAILURE);
      assertThat(control.getInputStream().read()).isEqualTo(-1);
    }
  }

  private static UdpSession association(UdpAssociationTestKit kit) throws InterruptedException {
    UdpAssociationControlHandler handler =
        kit.nextAccepted().pipeline().get(UdpAssociationControlHandler.class);
    assertThat(handler).as("the association's control handler").isNotNull();
    return handler.association();
  }

  private static DatagramSocket udpSocket(InetAddress address) throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0));
    socket.setSoTimeout(IO_TIMEOUT_MILLIS);
    return socket;
  }

  private static void send(DatagramSocket socket, InetSocketAddress to, byte[] datagram)
      throws IOException {
    socket.send(new DatagramPacket(datagram, datagram.length, to));
  }

  /** A SOCKS5 UDP request datagram, encoded by hand rather than by the code under test. */
  private static byte[] request(InetSocketAddress destination, String payload) {
    byte[] ip = destination.getAddress().getAddress();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 0, 0, (byte) (ip.length == 4 ? 0x01 : 0x04)});
    out.writeBytes(ip);
    out.writeBytes(port(destination.getPort()));
    out.writeBytes(payload.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static byte[] request(Destination byName, String payload) {
    byte[] host = byName.host().getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 0, 0, 0x03, (byte) host.length});
    out.writeBytes(host);
    out.writeBytes(port(byName.port()));
    out.writeBytes(payload.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static byte[] port(int port) {
    return new byte[] {(byte) (port >> 8), (byte) port};
  }

  private static Answer receive(DatagramSocket socket) throws IOException {
    byte[] buffer = new byte[UdpSession.MAX_DATAGRAM_BYTES];
    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
    socket.receive(packet);
    ByteBuffer in = ByteBuffer.wrap(buffer, 0, packet.getLength());
    assertThat(in.getShort()).as("RSV").isZero();
    int fragment = in.get() & 0xff;
    int atyp = in.get();
    byte[] ip = new byte[atyp == 0x04 ? 16 : 4];
    in.get(ip);
    int port = in.getShort() & 0xffff;
    byte[] payload = Arrays.copyOfRange(buffer, in.position(), packet.getLength());
    return new Answer(fragment, new InetSocketAddress(InetAddress.getByAddress(ip), port), payload);
  }

  private static String text(Answer answer) {
    return new String(answer.payload(), StandardCharsets.US_ASCII);
  }

  /** The relay's socket is closed once its address can be bound again. */
  private static void assertPortIsFree(InetSocketAddress relay) {
    await()
        .untilAsserted(
            () -> {
              try (DatagramSocket probe = new DatagramSocket(relay)) {
                assertThat(probe.getLocalSocketAddress()).isEqualTo(relay);
              }
            });
  }
}
