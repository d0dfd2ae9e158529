package dev.zcproxy.inbound.netty;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.Policy;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.policy.PolicySnapshot;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The access log as the real front end writes it over loopback sockets: one line per finished
 * tunnel (SOCKS4, SOCKS5, HTTP CONNECT, BIND), forwarded request and UDP association, and one per
 * refusal and failed login, with no password in any of them.
 */
class AccessLogProxyServerTest {
  private static final int DENIED_PORT = 25;
  private static final String PASSWORD = "secret";
  private static final String ALICE_BASIC =
      "Basic "
          + Base64.getEncoder()
              .encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

  private final RecordingAccessLog accessLog = new RecordingAccessLog();
  private final FakeAuthentication authentication = new FakeAuthentication(false);
  private EchoServer echo;
  private HttpServer origin;
  private ProxyServer server;
  private InetSocketAddress proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    origin = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 16);
    origin.createContext("/hello", AccessLogProxyServerTest::hello);
    origin.start();
    server =
        new ProxyServer(
            ProxyTestKit.settings(),
            authentication,
            ProxyTestKit.policy(request -> request.port() != DENIED_PORT),
            new SimpleMeterRegistry(),
            Optional.empty(),
            true,
            accessLog);
    proxy = server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    origin.stop(0);
    echo.close();
  }

  private static void hello(HttpExchange exchange) throws IOException {
    byte[] body = "hello, world".getBytes(StandardCharsets.US_ASCII);
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private String echoAddress() {
    return "127.0.0.1:" + echo.port();
  }

  @Test
  void a_socks5_tunnel_is_one_line_with_its_bytes_when_it_ends() throws IOException {
    InetSocketAddress clientAddress;
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", PASSWORD);
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("ping over socks5")).isEqualTo("ping over socks5");
      clientAddress = (InetSocketAddress) client.socket.getLocalSocketAddress();
      assertThat(accessLog.lines).as("nothing before the tunnel ends").isEmpty();
    }

    AccessRecord line = accessLog.awaitLine(r -> r.protocol().equals("socks5"));
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.client()).isEqualTo(clientAddress);
    assertThat(line.requested()).isEqualTo(echoAddress());
    assertThat(line.connected()).isEqualTo(new InetSocketAddress(LOOPBACK, echo.port()));
    assertThat(line.rule()).isEqualTo(1);
    assertThat(line.result()).isIn(AccessResult.OK, AccessResult.RESET);
    assertThat(line.relay()).isEqualTo("copy");
    assertThat(line.bytesUp()).isEqualTo(16);
    assertThat(line.bytesDown()).isEqualTo(16);
    assertThat(line.toString()).doesNotContain(PASSWORD);
  }

  @Test
  void a_socks4_tunnel_is_one_line() throws IOException {
    authentication.anonymous = true;
    try (SocksClient client = new SocksClient(proxy)) {
      assertThat(client.socks4aConnect("localhost", echo.port())).isEqualTo(0x5A);
      assertThat(client.roundTrip("ping")).isEqualTo("ping");
    }

    AccessRecord line = accessLog.awaitLine(r -> r.protocol().equals("socks4"));
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isEqualTo("anonymous");
    assertThat(line.requested()).isEqualTo("localhost:" + echo.port());
    assertThat(line.connected().getPort()).isEqualTo(echo.port());
    assertThat(line.bytesUp()).isEqualTo(4);
    assertThat(line.bytesDown()).isEqualTo(4);
  }

  @Test
  void an_http_connect_tunnel_is_one_line_without_the_proxy_authorization() throws IOException {
    try (Socket socket = new Socket(LOOPBACK, proxy.getPort())) {
      socket.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("CONNECT "
                  + echoAddress()
                  + " HTTP/1.1\r\nHost: "
                  + echoAddress()
                  + "\r\nProxy-Authorization: "
                  + ALICE_BASIC
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
      out.write("tunnelled".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(socket.getInputStream().readNBytes(9), StandardCharsets.US_ASCII))
          .isEqualTo("tunnelled");
    }

    AccessRecord line = accessLog.awaitLine(r -> r.protocol().equals("http"));
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.requested()).isEqualTo(echoAddress());
    assertThat(line.bytesUp()).isEqualTo(9);
    assertThat(line.bytesDown()).isEqualTo(9);
    assertNoSecret(line);
  }

  @Test
  void a_forwarded_request_is_one_line_with_method_url_and_status_but_no_query()
      throws IOException {
    String url = "http://127.0.0.1:" + origin.getAddress().getPort() + "/hello";
    try (Socket socket = new Socket(LOOPBACK, proxy.getPort())) {
      socket.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + url
                      + "?token=hunter2 HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Authorization: "
                      + ALICE_BASIC
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 200")
          .endsWith("hello, world");
    }

    AccessRecord line = accessLog.awaitLine(r -> r.command() == AccessCommand.FORWARD);
    assertThat(line.protocol()).isEqualTo("http");
    assertThat(line.method()).isEqualTo("GET");
    assertThat(line.requested()).isEqualTo(url);
    assertThat(line.status()).isEqualTo(200);
    assertThat(line.result()).isEqualTo(AccessResult.OK);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.connected().getPort()).isEqualTo(origin.getAddress().getPort());
    assertThat(line.bytesDown()).isEqualTo(12);
    assertThat(line.toString()).doesNotContain("hunter2");
    assertNoSecret(line);
  }

  @Test
  void a_refusal_of_the_policy_is_one_line_naming_the_rule() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", PASSWORD);
      assertThat(client.socks5Connect(LOOPBACK, DENIED_PORT)).isEqualTo(0x02);
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.result()).isEqualTo(AccessResult.DENIED);
    assertThat(line.protocol()).isEqualTo("socks5");
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.requested()).isEqualTo("127.0.0.1:" + DENIED_PORT);
    assertThat(line.rule()).isEqualTo(1);
    assertThat(line.connected()).isNull();
    assertThat(line.bytesUp() + line.bytesDown()).isZero();
  }

  @Test
  void a_destination_that_refuses_the_connection_is_logged_refused() throws IOException {
    int closed = SocketTestKit.closedPort();
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", PASSWORD);
      assertThat(client.socks5Connect(LOOPBACK, closed)).isEqualTo(0x05);
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.result()).isEqualTo(AccessResult.REFUSED);
    assertThat(line.requested()).isEqualTo("127.0.0.1:" + closed);
  }

  @Test
  void a_failed_socks5_login_is_one_line_without_user_or_password() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.out.write(new byte[] {5, 1, 2});
      assertThat(client.readBytes(2)).containsExactly(5, 2);
      byte[] user = "alice".getBytes(StandardCharsets.US_ASCII);
      byte[] password = "wrong-password".getBytes(StandardCharsets.US_ASCII);
      client.out.write(1);
      client.out.write(user.length);
      client.out.write(user);
      client.out.write(password.length);
      client.out.write(password);
      assertThat(client.readBytes(2)).containsExactly(1, 1);
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.result()).isEqualTo(AccessResult.AUTH_FAILED);
    assertThat(line.protocol()).isEqualTo("socks5");
    assertThat(line.user()).isNull();
    assertThat(line.toString()).doesNotContain("wrong-password");
  }

  @Test
  void a_failed_http_login_is_one_line_without_the_header() throws IOException {
    String wrong =
        "Basic "
            + Base64.getEncoder()
                .encodeToString("alice:wrong-password".getBytes(StandardCharsets.UTF_8));
    try (Socket socket = new Socket(LOOPBACK, proxy.getPort())) {
      socket.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
      socket
          .getOutputStream()
          .write(
              ("CONNECT "
                      + echoAddress()
                      + " HTTP/1.1\r\nHost: x\r\nProxy-Authorization: "
                      + wrong
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 407");
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.result()).isEqualTo(AccessResult.AUTH_FAILED);
    assertThat(line.protocol()).isEqualTo("http");
    assertThat(line.command()).isEqualTo(AccessCommand.CONNECT);
    assertThat(line.requested()).isEqualTo(echoAddress());
    assertThat(line.toString()).doesNotContain("wrong-password").doesNotContain(wrong);
  }

  @Test
  void a_socks4_client_refused_anonymous_access_is_an_auth_failure() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      assertThat(client.socks4Connect(LOOPBACK, echo.port())).isEqualTo(0x5B);
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.result()).isEqualTo(AccessResult.AUTH_FAILED);
    assertThat(line.protocol()).isEqualTo("socks4");
    assertThat(line.requested()).isEqualTo(echoAddress());
  }

  @Test
  void a_tunnel_a_new_policy_cuts_is_logged_closed_by_policy() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", PASSWORD);
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("before")).isEqualTo("before");

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
      assertThat(line.bytesUp()).isEqualTo(6);
      assertThat(line.bytesDown()).isEqualTo(6);
    }
  }

  @Test
  void a_socks5_bind_is_one_line() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", PASSWORD);
      client.socks5Request(0x02, LOOPBACK, 0);
      SocksClient.Answer listening = client.readSocks5Answer();
      assertThat(listening.code()).isZero();
      try (Socket peer = new Socket(LOOPBACK, listening.bound().getPort())) {
        assertThat(client.readSocks5Answer().code()).isZero();
        peer.getOutputStream().write("from the peer".getBytes(StandardCharsets.US_ASCII));
        assertThat(client.readBytes(13))
            .asString(StandardCharsets.US_ASCII)
            .isEqualTo("from the peer");
      }
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.command()).isEqualTo(AccessCommand.BIND);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.result().served()).isTrue();
    assertThat(line.bytesDown()).isEqualTo(13);
  }

  @Test
  void a_bind_whose_client_leaves_before_the_peer_is_one_closed_line() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.socks5Login("alice", PASSWORD);
      client.socks5Request(0x02, LOOPBACK, 0);
      assertThat(client.readSocks5Answer().code()).isZero();
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.command()).isEqualTo(AccessCommand.BIND);
    assertThat(line.result()).isEqualTo(AccessResult.CLOSED);
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.rule()).isEqualTo(1);
  }

  @Test
  void a_request_over_the_users_connection_limit_is_an_error_line() throws IOException {
    RecordingAccessLog limitedLog = new RecordingAccessLog();
    try (ProxyServer limited =
            new ProxyServer(
                ProxyTestKit.settings(4096, 0, 0, 1),
                authentication,
                ProxyTestKit.policy(request -> true),
                new SimpleMeterRegistry(),
                Optional.empty(),
                true,
                limitedLog);
        SocksClient first = new SocksClient(limited.start())) {
      InetSocketAddress address = new InetSocketAddress(LOOPBACK, first.socket.getPort());
      first.socks5Login("alice", PASSWORD);
      assertThat(first.socks5Connect(LOOPBACK, echo.port())).isZero();
      try (SocksClient second = new SocksClient(address)) {
        second.socks5Login("alice", PASSWORD);
        assertThat(second.socks5Connect(LOOPBACK, echo.port())).isEqualTo(0x01);
      }

      AccessRecord line = limitedLog.awaitLine(r -> true);
      assertThat(line.result()).isEqualTo(AccessResult.ERROR);
      assertThat(line.user()).isEqualTo("alice");
      assertThat(line.requested()).isEqualTo(echoAddress());
    }
  }

  @Test
  void a_socks5_udp_association_is_one_line_with_its_bytes() throws Exception {
    try (DatagramSocket destination = new DatagramSocket(0, LOOPBACK);
        DatagramSocket udpClient = new DatagramSocket(0, LOOPBACK)) {
      Thread.ofVirtual().start(() -> echoOnce(destination));
      udpClient.setSoTimeout(SocketTestKit.SAFETY_NET_MILLIS);
      try (SocksClient control = new SocksClient(proxy)) {
        control.socks5Login("alice", PASSWORD);
        control.socks5Request(0x03, InetAddress.ofLiteral("0.0.0.0"), 0);
        SocksClient.Answer relay = control.readSocks5Answer();
        assertThat(relay.code()).isZero();

        int port = destination.getLocalPort();
        byte[] header = {0, 0, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port};
        ByteArrayOutputStream datagram = new ByteArrayOutputStream();
        datagram.writeBytes(header);
        datagram.writeBytes("ping".getBytes(StandardCharsets.US_ASCII));
        udpClient.send(new DatagramPacket(datagram.toByteArray(), datagram.size(), relay.bound()));
        udpClient.receive(new DatagramPacket(new byte[512], 512));
        assertThat(accessLog.lines).as("nothing while the association lasts").isEmpty();
      }
    }

    AccessRecord line = accessLog.awaitLine(r -> true);
    assertThat(line.command()).isEqualTo(AccessCommand.UDP);
    assertThat(line.protocol()).isEqualTo("socks5");
    assertThat(line.user()).isEqualTo("alice");
    assertThat(line.relay()).isEqualTo("udp");
    assertThat(line.result()).isEqualTo(AccessResult.OK);
    assertThat(line.requested()).isEqualTo("0.0.0.0:0");
    assertThat(line.connected().getAddress()).isEqualTo(LOOPBACK);
    assertThat(line.bytesUp()).isEqualTo(4);
    assertThat(line.bytesDown()).isEqualTo(4);
  }

  private static void assertNoSecret(AccessRecord line) {
    assertThat(line.toString())
        .doesNotContain(PASSWORD)
        .doesNotContain(ALICE_BASIC.substring(6))
        .doesNotContainIgnoringCase("authorization");
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static void echoOnce(DatagramSocket socket) {
    try {
      DatagramPacket packet = new DatagramPacket(new byte[512], 512);
      socket.receive(packet);
      socket.send(
          new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
    } catch (IOException closed) {
      // the test is over
    }
  }
}
