package dev.zcproxy.inbound.netty;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient.Answer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * BIND and UDP ASSOCIATE reached through the real front end: the SOCKS handlers hand the connection
 * to the commands with the right replies, and the commands take it from there.
 */
class ProxyServerCommandsTest {
  private ProxyServer server;
  private InetSocketAddress proxy;

  @BeforeEach
  void start() {
    server =
        new ProxyServer(
            ProxyTestKit.settings(),
            new FakeAuthentication(true),
            ProxyTestKit.policy(request -> true),
            new SimpleMeterRegistry());
    proxy = server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void socks5_bind_accepts_the_peer_and_relays() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Anonymous();
      client.socks5Request(0x02, LOOPBACK, 0);
      Answer listening = client.readSocks5Answer();
      assertThat(listening.code()).isZero();

      try (Socket peer = new Socket(LOOPBACK, listening.bound().getPort())) {
        Answer connected = client.readSocks5Answer();
        assertThat(connected.code()).isZero();
        assertThat(connected.bound()).isEqualTo(peer.getLocalSocketAddress());

        assertRelays(client, peer);
      }
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> server.activeTunnels() == 0);
  }

  @Test
  void socks4_bind_accepts_the_peer_and_relays() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks4Bind(LOOPBACK, 0);
      Answer listening = client.readSocks4Answer();
      assertThat(listening.code()).isEqualTo(0x5A);

      try (Socket peer = new Socket(LOOPBACK, listening.bound().getPort())) {
        Answer connected = client.readSocks4Answer();
        assertThat(connected.code()).isEqualTo(0x5A);
        assertThat(connected.bound().getPort()).isEqualTo(peer.getLocalPort());

        assertRelays(client, peer);
      }
    }
  }

  @Test
  void socks5_udp_associate_relays_a_datagram_both_ways() throws IOException {
    try (DatagramSocket echo = new DatagramSocket(0, LOOPBACK);
        DatagramSocket udpClient = new DatagramSocket(0, LOOPBACK);
        SocksClient control = new SocksClient(proxy)) {
      Thread.ofVirtual().start(() -> echoOnce(echo));
      udpClient.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
      control.socks5Anonymous();
      control.socks5Request(0x03, java.net.InetAddress.ofLiteral("0.0.0.0"), 0);
      Answer relay = control.readSocks5Answer();
      assertThat(relay.code()).isZero();

      byte[] header = udpHeader(echo.getLocalPort());
      byte[] datagram = concat(header, "ping".getBytes(StandardCharsets.US_ASCII));
      udpClient.send(new DatagramPacket(datagram, datagram.length, relay.bound()));
      DatagramPacket answer = new DatagramPacket(new byte[512], 512);
      udpClient.receive(answer);

      byte[] received = Arrays.copyOf(answer.getData(), answer.getLength());
      assertThat(Arrays.copyOf(received, header.length)).isEqualTo(header);
      assertThat(new String(received, header.length, 4, StandardCharsets.US_ASCII))
          .isEqualTo("ping");
    }
  }

  private static void assertRelays(SocksClient client, Socket peer) throws IOException {
    peer.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
    client.out.write("to the peer".getBytes(StandardCharsets.US_ASCII));
    byte[] atPeer = new byte[11];
    new DataInputStream(peer.getInputStream()).readFully(atPeer);
    assertThat(new String(atPeer, StandardCharsets.US_ASCII)).isEqualTo("to the peer");

    peer.getOutputStream().write("to the client".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(client.readBytes(13), StandardCharsets.US_ASCII))
        .isEqualTo("to the client");
  }

  /** RSV RSV FRAG ATYP=IPv4 127.0.0.1 port. */
  private static byte[] udpHeader(int port) {
    return new byte[] {0, 0, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port};
  }

  private static byte[] concat(byte[] first, byte[] second) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(first);
    out.writeBytes(second);
    return out.toByteArray();
  }

  private static void echoOnce(DatagramSocket socket) {
    try {
      DatagramPacket packet = new DatagramPacket(new byte[512], 512);
      socket.receive(packet);
      socket.send(
          new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
    } catch (SocketException closed) {
      // the test is over
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
