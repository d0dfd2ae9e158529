package dev.zcproxy.it;

import static dev.zcproxy.it.support.SocksAssertions.assertSocks4Rejection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks4Client;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SOCKS4 and 4a, which carry no password: they work only under an anonymous policy. */
class Socks4IT {

  @TempDir static Path workDir;

  static OriginServer origin;
  static OriginServer otherOrigin;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    origin = OriginServer.start();
    otherOrigin = OriginServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("Socks4IT")
            .policy(
                """
                anonymous: true
                rules:
                  - action: allow
                    destinations: ["127.0.0.1/32"]
                    ports: ["%d"]
                """
                    .formatted(origin.port()))
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, origin, otherOrigin);
  }

  @Test
  void fetchesThroughSocks4() {
    Curl.Result result = Curl.socks4(proxy.port()).fetch(origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    proxy.assertCleanLog();
  }

  @Test
  void fetchesThroughSocks4aWithAHostName() {
    Curl.Result result = Curl.socks4a(proxy.port()).fetch(origin.url("localhost", "/hello"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    proxy.assertCleanLog();
  }

  @Test
  void destinationOutsideThePolicyIsRejected() {
    Curl.Result result = Curl.socks4(proxy.port()).fetch(otherOrigin.url("/hello"));

    assertSocks4Rejection(result);
    proxy.assertCleanLog();
  }

  @Test
  void bindAcceptsOneInboundConnectionAndRelaysBothWays() throws IOException {
    Inet4Address loopback = (Inet4Address) InetAddress.getByName("127.0.0.1");
    try (Socks4Client client = Socks4Client.connect(proxy.port())) {
      // DSTIP is the peer expected to connect; DSTPORT is informational in SOCKS4 BIND.
      Socks4Client.Reply first = client.request(Socks4Client.BIND, loopback, origin.port(), "");
      assertThat(first.code()).isEqualTo(Socks4Client.GRANTED);

      try (Socket peer = new Socket(loopback, first.reachableBound().getPort())) {
        Socks4Client.Reply second = client.readReply();
        assertThat(second.code()).isEqualTo(Socks4Client.GRANTED);

        peer.setSoTimeout(10_000);
        peer.getOutputStream().write("from the peer".getBytes(StandardCharsets.US_ASCII));
        assertThat(client.in().readNBytes(13))
            .asString(StandardCharsets.US_ASCII)
            .isEqualTo("from the peer");

        client.out().write("from the client".getBytes(StandardCharsets.US_ASCII));
        assertThat(new DataInputStream(peer.getInputStream()).readNBytes(15))
            .asString(StandardCharsets.US_ASCII)
            .isEqualTo("from the client");
      }
    }
    proxy.assertCleanLog();
  }
}
