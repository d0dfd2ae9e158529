package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Datagram;
import dev.zcproxy.it.support.Socks5Reply;
import dev.zcproxy.it.support.UdpEchoServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two SOCKS5 commands curl does not speak, driven by a plain socket client. */
class Socks5BindAndUdpIT {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @TempDir static Path workDir;

  static UdpEchoServer udpEcho;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    udpEcho = UdpEchoServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("Socks5BindAndUdpIT")
            .policy(
                """
                anonymous: false
                users:
                  - { name: alice, password: "{plain}wonderland" }
                rules:
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                    protocols: [tcp, udp]
                """)
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, udpEcho);
  }

  @Test
  void bindRelaysBothWaysOnceThePeerConnects() throws IOException {
    try (Socks5Client client = Socks5Client.connect(proxy.port())) {
      client.authenticate("alice", "wonderland");
      Socks5Reply first = client.request(Socks5Client.BIND, new InetSocketAddress(LOOPBACK, 0));
      assertThat(first.code()).as("first BIND reply").isEqualTo(Socks5Reply.SUCCEEDED);
      assertThat(first.bound().getPort()).isPositive();

      try (Socket peer = new Socket()) {
        peer.bind(new InetSocketAddress(LOOPBACK, 0));
        peer.connect(first.reachableBound(), 5_000);
        peer.setSoTimeout(10_000);

        Socks5Reply second = client.readReply();
        assertThat(second.code()).as("second BIND reply").isEqualTo(Socks5Reply.SUCCEEDED);
        assertThat(second.bound())
            .as("the second reply names the peer that connected")
            .isEqualTo(new InetSocketAddress(LOOPBACK, peer.getLocalPort()));

        peer.getOutputStream().write(ascii("from the peer"));
        assertThat(client.readExactly(13)).isEqualTo(ascii("from the peer"));
        client.send(ascii("from the client"));
        assertThat(peer.getInputStream().readNBytes(15)).isEqualTo(ascii("from the client"));
      }
    }
    proxy.assertCleanLog();
  }

  @Test
  void udpAssociateRelaysToAnAddressAndBack() throws IOException {
    try (Socks5Client control = Socks5Client.connect(proxy.port());
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      udp.setSoTimeout(10_000);
      control.authenticate("alice", "wonderland");
      Socks5Reply association =
          control.request(
              Socks5Client.UDP_ASSOCIATE, new InetSocketAddress(LOOPBACK, udp.getLocalPort()));
      assertThat(association.code()).isEqualTo(Socks5Reply.SUCCEEDED);

      InetSocketAddress echo = new InetSocketAddress(LOOPBACK, udpEcho.port());
      Socks5Datagram reply = roundTrip(udp, association, new Socks5Datagram(echo, ascii("ping 1")));

      assertThat(reply).isEqualTo(new Socks5Datagram(echo, ascii("ping 1")));
    }
    proxy.assertCleanLog();
  }

  @Test
  void udpAssociateResolvesADomainNameDestination() throws IOException {
    try (Socks5Client control = Socks5Client.connect(proxy.port());
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      udp.setSoTimeout(10_000);
      control.authenticate("alice", "wonderland");
      Socks5Reply association =
          control.request(
              Socks5Client.UDP_ASSOCIATE, new InetSocketAddress(LOOPBACK, udp.getLocalPort()));
      assertThat(association.code()).isEqualTo(Socks5Reply.SUCCEEDED);

      InetSocketAddress byName = InetSocketAddress.createUnresolved("localhost", udpEcho.port());
      Socks5Datagram reply =
          roundTrip(udp, association, new Socks5Datagram(byName, ascii("ping 2")));

      // The answer comes from the address the name resolved to.
      assertThat(reply.address()).isEqualTo(new InetSocketAddress(LOOPBACK, udpEcho.port()));
      assertThat(reply.payload()).isEqualTo(ascii("ping 2"));
    }
    proxy.assertCleanLog();
  }

  @Test
  void udpAssociateAcceptsAnUnspecifiedClientAddress() throws IOException {
    // Many clients do not know their UDP source yet and send 0.0.0.0:0 (RFC 1928 allows it).
    try (Socks5Client control = Socks5Client.connect(proxy.port());
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      udp.setSoTimeout(10_000);
      control.authenticate("alice", "wonderland");
      Socks5Reply association =
          control.request(
              Socks5Client.UDP_ASSOCIATE,
              new InetSocketAddress(InetAddress.getByAddress(new byte[4]), 0));
      assertThat(association.code()).isEqualTo(Socks5Reply.SUCCEEDED);

      InetSocketAddress echo = new InetSocketAddress(LOOPBACK, udpEcho.port());
      Socks5Datagram reply = roundTrip(udp, association, new Socks5Datagram(echo, ascii("ping 3")));

      assertThat(reply).isEqualTo(new Socks5Datagram(echo, ascii("ping 3")));
    }
    proxy.assertCleanLog();
  }

  private static Socks5Datagram roundTrip(
      DatagramSocket udp, Socks5Reply association, Socks5Datagram request) throws IOException {
    udp.send(request.toPacket(association.reachableBound()));
    DatagramPacket answer = new DatagramPacket(new byte[2048], 2048);
    udp.receive(answer);
    assertThat(answer.getSocketAddress())
        .as("the answer comes from the relay")
        .isEqualTo(association.reachableBound());
    return Socks5Datagram.parse(answer);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
