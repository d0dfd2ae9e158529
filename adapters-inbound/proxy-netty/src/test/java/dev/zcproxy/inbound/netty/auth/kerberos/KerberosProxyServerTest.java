package dev.zcproxy.inbound.netty.auth.kerberos;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.FakeAuthentication;
import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosTestKit.Initiator;
import dev.zcproxy.inbound.netty.relay.RelaySelector;
import dev.zcproxy.inbound.netty.socks.v5.gssapi.Socks5GssapiEncapsulation;
import dev.zcproxy.inbound.netty.socks.v5.gssapi.Socks5GssapiMessage;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import javax.security.auth.Subject;
import org.ietf.jgss.GSSException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SOCKS5 GSS-API (RFC 1961) and HTTP Negotiate (RFC 4559) over real loopback sockets, with tickets
 * from an embedded KDC and Java's own GSS-API initiator as the client.
 */
class KerberosProxyServerTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private static KerberosTestKit kerberos;
  private static Subject alice;
  private static Subject carol;

  private final FakeAuthentication authentication = new FakeAuthentication(false);
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private EchoServer echo;
  private ProxyServer server;
  private InetSocketAddress proxy;

  @BeforeAll
  static void startKdc() {
    kerberos = KerberosTestKit.kdc();
    alice = kerberos.login("alice");
    carol = kerberos.login("carol");
  }

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    server =
        new ProxyServer(
            ProxyTestKit.settings().withKerberos(kerberos.acceptor()),
            authentication,
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.empty(),
            true);
    proxy = server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    echo.close();
  }

  /** A proxy granting SOCKS5 GSS-API per-message protection up to {@code ceiling}. */
  private ProxyServer protectedProxy(GssapiProtection ceiling) {
    return new ProxyServer(
        ProxyTestKit.settings().withKerberos(kerberos.acceptor().withSocksProtection(ceiling)),
        authentication,
        ProxyTestKit.policy(request -> true),
        registry,
        Optional.empty(),
        true);
  }

  private static void send(SocksClient client, int type, byte[] token) throws IOException {
    client.out.write(new byte[] {1, (byte) type, (byte) (token.length >> 8), (byte) token.length});
    client.out.write(token);
  }

  private static byte[] receive(SocksClient client, int expectedType) throws IOException {
    byte[] head = client.readBytes(2);
    assertThat(head).containsExactly(1, expectedType);
    int length = client.in.readUnsignedShort();
    return client.readBytes(length);
  }

  /** Greeting, context establishment and protection negotiation; returns the granted level. */
  private static int gssLogin(SocksClient client, Subject user) throws IOException, GSSException {
    return gssLogin(client, user, 2).level();
  }

  private record Login(int level, Initiator initiator) {}

  private static Login gssLogin(SocksClient client, Subject user, int wish)
      throws IOException, GSSException {
    client.out.write(new byte[] {5, 1, 1});
    assertThat(client.readBytes(2)).containsExactly(5, 1);
    Initiator initiator = KerberosTestKit.initiator(user, "rcmd", KerberosAcceptor.KERBEROS_V5);
    byte[] token = initiator.step(new byte[0]);
    while (true) {
      send(client, Socks5GssapiMessage.AUTHENTICATION, token);
      token = initiator.step(receive(client, Socks5GssapiMessage.AUTHENTICATION));
      if (initiator.context().isEstablished()) {
        break;
      }
    }
    assertThat(initiator.context().getMutualAuthState()).isTrue();
    send(client, Socks5GssapiMessage.PROTECTION, initiator.wrap(new byte[] {(byte) wish}));
    byte[] granted = initiator.unwrap(receive(client, Socks5GssapiMessage.PROTECTION));
    assertThat(granted).hasSize(1);
    return new Login(granted[0], initiator);
  }

  /** RFC 1961 §5: one encapsulated message each way. */
  private static void sendWrapped(
      SocksClient client, Initiator initiator, byte[] plain, boolean conf)
      throws IOException, GSSException {
    byte[] token =
        initiator.context().wrap(plain, 0, plain.length, new org.ietf.jgss.MessageProp(0, conf));
    send(client, Socks5GssapiMessage.ENCAPSULATION, token);
  }

  private static byte[] receiveWrapped(SocksClient client, Initiator initiator, int length)
      throws IOException, GSSException {
    java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
    while (plain.size() < length) {
      byte[] token = receive(client, Socks5GssapiMessage.ENCAPSULATION);
      plain.writeBytes(
          initiator
              .context()
              .unwrap(token, 0, token.length, new org.ietf.jgss.MessageProp(0, false)));
    }
    return plain.toByteArray();
  }

  @Test
  void socks5_gssapi_grants_up_to_the_ceiling_and_encapsulates_request_reply_and_tunnel()
      throws Exception {
    try (ProxyServer protectedProxy = protectedProxy(GssapiProtection.CONFIDENTIALITY)) {
      InetSocketAddress address = protectedProxy.start();
      for (int wish : new int[] {2, 1, 3}) {
        try (SocksClient client = new SocksClient(address)) {
          Login login = gssLogin(client, alice, wish);
          boolean conf = wish != 1;
          assertThat(login.level()).isEqualTo(conf ? 2 : 1);
          byte[] port = {(byte) (echo.port() >> 8), (byte) echo.port()};
          sendWrapped(
              client,
              login.initiator(),
              new byte[] {5, 1, 0, 1, 127, 0, 0, 1, port[0], port[1]},
              conf);
          byte[] reply = receiveWrapped(client, login.initiator(), 10);
          assertThat(reply[0]).isEqualTo((byte) 5);
          assertThat(reply[1]).as("CONNECT succeeded").isZero();

          byte[] secret =
              "a secret that must not show on the wire".getBytes(StandardCharsets.UTF_8);
          sendWrapped(client, login.initiator(), secret, conf);
          byte[] head = client.readBytes(4);
          assertThat(head[0]).isEqualTo((byte) 1);
          assertThat(head[1]).isEqualTo((byte) Socks5GssapiMessage.ENCAPSULATION);
          byte[] token = client.readBytes(((head[2] & 0xFF) << 8) | (head[3] & 0xFF));
          if (conf) {
            assertThat(new String(token, StandardCharsets.ISO_8859_1)).doesNotContain("secret");
          }
          assertThat(
                  login
                      .initiator()
                      .context()
                      .unwrap(token, 0, token.length, new org.ietf.jgss.MessageProp(0, false)))
              .isEqualTo(secret);

          // a large write is cut into several messages, each under 64 KiB
          byte[] large = new byte[100_000];
          new Random(3).nextBytes(large);
          sendWrapped(client, login.initiator(), java.util.Arrays.copyOf(large, 50_000), conf);
          sendWrapped(
              client,
              login.initiator(),
              java.util.Arrays.copyOfRange(large, 50_000, 100_000),
              conf);
          assertThat(receiveWrapped(client, login.initiator(), large.length)).isEqualTo(large);
        }
      }
      await().atMost(AWAIT).until(() -> protectedProxy.activeTunnels() == 0);
    }
  }

  /**
   * The handshake guard's refusal of a protected client (here: too many bytes before its request)
   * is encapsulated like every other reply after the protection grant; it used to go out plain.
   */
  @Test
  void a_protected_clients_handshake_refusal_is_encapsulated() throws Exception {
    try (ProxyServer protectedProxy = protectedProxy(GssapiProtection.CONFIDENTIALITY)) {
      try (SocksClient client = new SocksClient(protectedProxy.start())) {
        Login login = gssLogin(client, alice, 2);
        assertThat(login.level()).isEqualTo(2);

        sendWrapped(client, login.initiator(), new byte[8192], true); // over the 4096-byte cap

        byte[] reply = receiveWrapped(client, login.initiator(), 10);
        assertThat(reply[0]).isEqualTo((byte) 5);
        assertThat(reply[1]).as("general failure").isEqualTo((byte) 1);
        assertThat(client.closedByProxy()).as("then the connection closes").isTrue();
      }
    }
  }

  @Test
  void an_acceptor_for_one_principal_refuses_tickets_for_the_others() throws Exception {
    KerberosAcceptor httpOnly =
        KerberosAcceptor.fromKeytab(kerberos.serviceKeytab(), KerberosTestKit.HTTP_SERVICE);
    assertThat(httpOnly.servicePrincipals()).containsExactly(KerberosTestKit.HTTP_SERVICE);
    try (ProxyServer restricted =
        new ProxyServer(
            ProxyTestKit.settings().withKerberos(httpOnly),
            authentication,
            ProxyTestKit.policy(request -> true),
            registry,
            Optional.empty(),
            true)) {
      InetSocketAddress address = restricted.start();
      try (SocksClient client = new SocksClient(address)) {
        client.out.write(new byte[] {5, 1, 1});
        assertThat(client.readBytes(2)).containsExactly(5, 1);
        Initiator rcmd = KerberosTestKit.initiator(alice, "rcmd", KerberosAcceptor.KERBEROS_V5);
        send(client, Socks5GssapiMessage.AUTHENTICATION, rcmd.step(new byte[0]));
        assertThat(client.readBytes(2)).containsExactly(1, 0xFF);
      }
      Initiator http = KerberosTestKit.initiator(alice, "HTTP", KerberosAcceptor.SPNEGO);
      String token = Base64.getEncoder().encodeToString(http.step(new byte[0]));
      try (SocksClient client = new SocksClient(address)) {
        client.out.write(connectRequest("Negotiate " + token).getBytes(StandardCharsets.US_ASCII));
        assertThat(readHead(client.in)).startsWith("HTTP/1.1 200");
      }
    }
    assertFailureCounted("bad_token");
  }

  @Test
  void an_encapsulated_tunnel_is_never_offered_to_the_splice_relay() {
    var plain = new io.netty.channel.embedded.EmbeddedChannel();
    var encapsulated =
        new io.netty.channel.embedded.EmbeddedChannel(
            new Socks5GssapiEncapsulation(kerberos.acceptor().newExchange(), true));
    var upstream = new io.netty.channel.embedded.EmbeddedChannel();
    assertThat(RelaySelector.mayOffer(plain, upstream)).isTrue();
    assertThat(RelaySelector.mayOffer(encapsulated, upstream)).isFalse();
    plain.finishAndReleaseAll();
    encapsulated.finishAndReleaseAll();
    upstream.finishAndReleaseAll();
  }

  @Test
  void the_level_granted_is_the_wish_up_to_the_ceiling() {
    assertThat(GssapiProtection.NONE.grant(2)).isEqualTo(GssapiProtection.NONE);
    assertThat(GssapiProtection.INTEGRITY.grant(0)).isEqualTo(GssapiProtection.NONE);
    assertThat(GssapiProtection.INTEGRITY.grant(3)).isEqualTo(GssapiProtection.INTEGRITY);
    assertThat(GssapiProtection.CONFIDENTIALITY.grant(1)).isEqualTo(GssapiProtection.INTEGRITY);
    assertThat(GssapiProtection.CONFIDENTIALITY.grant(3))
        .isEqualTo(GssapiProtection.CONFIDENTIALITY);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GssapiProtection.NONE.grant(4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void a_tampered_encapsulated_message_closes_the_connection() throws Exception {
    try (ProxyServer protectedProxy = protectedProxy(GssapiProtection.INTEGRITY);
        SocksClient client = new SocksClient(protectedProxy.start())) {
      Login login = gssLogin(client, alice, 1);
      assertThat(login.level()).isEqualTo(1);
      byte[] request = {5, 1, 0, 1, 127, 0, 0, 1, (byte) (echo.port() >> 8), (byte) echo.port()};
      byte[] token =
          login
              .initiator()
              .context()
              .wrap(request, 0, request.length, new org.ietf.jgss.MessageProp(0, false));
      token[token.length - 20] ^= 1; // inside the protected payload or its checksum
      send(client, Socks5GssapiMessage.ENCAPSULATION, token);
      assertThat(client.closedByProxy()).isTrue();
    }
  }

  @Test
  void socks5_gssapi_authenticates_a_ticket_and_grants_no_per_message_protection()
      throws Exception {
    try (SocksClient client = new SocksClient(proxy)) {
      assertThat(gssLogin(client, alice)).isEqualTo(Socks5GssapiMessage.LEVEL_NONE);
      assertThat(client.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(client.roundTrip("kerberized")).isEqualTo("kerberized");
    }
    assertThat(authentication.calls)
        .anyMatch(
            call ->
                call.credentials().equals(new Credentials.KerberosPrincipal("alice@ZCPROXY.TEST")));
    // the ticket was accepted off the event loops, like a password check
    assertThat(authentication.callerThreads).allMatch(name -> name.startsWith("zcproxy-auth"));
  }

  @Test
  void socks5_gssapi_refuses_a_principal_the_policy_does_not_know() throws Exception {
    try (SocksClient client = new SocksClient(proxy)) {
      client.out.write(new byte[] {5, 1, 1});
      assertThat(client.readBytes(2)).containsExactly(5, 1);
      Initiator initiator = KerberosTestKit.initiator(carol, "rcmd", KerberosAcceptor.KERBEROS_V5);
      send(client, Socks5GssapiMessage.AUTHENTICATION, initiator.step(new byte[0]));
      assertThat(client.readBytes(2)).containsExactly(1, 0xFF);
      assertThat(client.closedByProxy()).isTrue();
    }
    assertFailureCounted("unknown_user");
  }

  @Test
  void socks5_gssapi_refuses_a_forged_token() throws IOException {
    byte[] forged = new byte[600];
    new Random(7).nextBytes(forged);
    forged[0] = 0x60; // looks like the start of a GSS-API token, and is not one
    try (SocksClient client = new SocksClient(proxy)) {
      client.out.write(new byte[] {5, 1, 1});
      assertThat(client.readBytes(2)).containsExactly(5, 1);
      send(client, Socks5GssapiMessage.AUTHENTICATION, forged);
      assertThat(client.readBytes(2)).containsExactly(1, 0xFF);
      assertThat(client.closedByProxy()).isTrue();
    }
    assertFailureCounted("bad_token");
  }

  @Test
  void socks5_gssapi_refuses_a_replayed_token() throws Exception {
    Initiator initiator = KerberosTestKit.initiator(alice, "rcmd", KerberosAcceptor.KERBEROS_V5);
    byte[] token = initiator.step(new byte[0]);
    try (SocksClient first = new SocksClient(proxy)) {
      first.out.write(new byte[] {5, 1, 1});
      first.readBytes(2);
      send(first, Socks5GssapiMessage.AUTHENTICATION, token);
      receive(first, Socks5GssapiMessage.AUTHENTICATION);
    }
    try (SocksClient replay = new SocksClient(proxy)) {
      replay.out.write(new byte[] {5, 1, 1});
      replay.readBytes(2);
      send(replay, Socks5GssapiMessage.AUTHENTICATION, token);
      assertThat(replay.readBytes(2)).containsExactly(1, 0xFF);
      assertThat(replay.closedByProxy()).isTrue();
    }
    assertFailureCounted("bad_token");
  }

  @Test
  void socks5_gssapi_malformed_frames_and_the_clients_abort_are_refused() throws IOException {
    try (SocksClient wrongVersion = new SocksClient(proxy)) {
      wrongVersion.out.write(new byte[] {5, 1, 1, 2, 1, 0, 1, 0});
      assertThat(wrongVersion.readBytes(4)).containsExactly(5, 1, 1, 0xFF);
      assertThat(wrongVersion.closedByProxy()).isTrue();
    }
    try (SocksClient oversized = new SocksClient(proxy)) {
      oversized.out.write(new byte[] {5, 1, 1, 1, 1, (byte) 0xFF, (byte) 0xFF});
      assertThat(oversized.readBytes(4)).containsExactly(5, 1, 1, 0xFF);
      assertThat(oversized.closedByProxy()).isTrue();
    }
    try (SocksClient aborting = new SocksClient(proxy)) {
      aborting.out.write(new byte[] {5, 1, 1, 1, (byte) 0xFF});
      assertThat(aborting.readBytes(2)).containsExactly(5, 1);
      assertThat(aborting.closedByProxy()).isTrue();
    }
    assertFailureCounted("malformed", 2);
    assertFailureCounted("client_abort");
  }

  @Test
  void a_client_that_offers_gssapi_and_a_password_logs_in_with_the_password() throws IOException {
    try (SocksClient client = new SocksClient(proxy)) {
      client.out.write(new byte[] {5, 2, 1, 2});
      assertThat(client.readBytes(2)).containsExactly(5, 2);
    }
  }

  @Test
  void without_kerberos_gssapi_is_not_offered() throws IOException {
    try (ProxyServer plain =
        new ProxyServer(
            ProxyTestKit.settings(),
            authentication,
            ProxyTestKit.policy(request -> true),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Optional.empty(),
            true)) {
      InetSocketAddress address = plain.start();
      try (SocksClient client = new SocksClient(address)) {
        client.out.write(new byte[] {5, 1, 1});
        assertThat(client.readBytes(2)).containsExactly(5, 0xFF);
        assertThat(client.closedByProxy()).isTrue();
      }
      String challenge = httpConnect(address, null);
      assertThat(challenge)
          .startsWith("HTTP/1.1 407")
          .contains("proxy-authenticate: Basic")
          .doesNotContain("Negotiate");
    }
  }

  @Test
  void http_negotiate_opens_a_tunnel_for_a_ticket() throws Exception {
    Initiator initiator = KerberosTestKit.initiator(alice, "HTTP", KerberosAcceptor.SPNEGO);
    String token = Base64.getEncoder().encodeToString(initiator.step(new byte[0]));
    try (SocksClient client = new SocksClient(proxy)) {
      client.out.write(connectRequest("Negotiate " + token).getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(client.in)).startsWith("HTTP/1.1 200");
      assertThat(client.roundTrip("over http")).isEqualTo("over http");
    }
    assertThat(authentication.calls)
        .anyMatch(
            call ->
                call.credentials().equals(new Credentials.KerberosPrincipal("alice@ZCPROXY.TEST")));
  }

  @Test
  void http_407_offers_negotiate_before_basic() throws IOException {
    String answer = httpConnect(proxy, null);
    assertThat(answer).startsWith("HTTP/1.1 407");
    assertThat(answer.indexOf("proxy-authenticate: Negotiate"))
        .isNotNegative()
        .isLessThan(answer.indexOf("proxy-authenticate: Basic"));
  }

  @Test
  void http_negotiate_refuses_an_unknown_principal_and_a_forged_token() throws Exception {
    Initiator initiator = KerberosTestKit.initiator(carol, "HTTP", KerberosAcceptor.SPNEGO);
    String carolsToken = Base64.getEncoder().encodeToString(initiator.step(new byte[0]));
    assertThat(httpConnect(proxy, "Negotiate " + carolsToken))
        .startsWith("HTTP/1.1 407")
        .contains("proxy-authenticate: Negotiate");
    assertThat(httpConnect(proxy, "Negotiate YIIBfzCCAXugAwIBAqEDAgEO")).startsWith("HTTP/1.1 407");
    assertThat(httpConnect(proxy, "Negotiate !!!")).startsWith("HTTP/1.1 407");
    assertThat(registry.scrape())
        .contains("zcproxy_auth_failures_total{protocol=\"http\",reason=\"unknown_user\"} 1.0")
        .contains("zcproxy_auth_failures_total{protocol=\"http\",reason=\"bad_token\"} 1.0")
        .contains("zcproxy_auth_failures_total{protocol=\"http\",reason=\"malformed\"} 1.0");
  }

  private String connectRequest(String authorization) {
    String target = "127.0.0.1:" + echo.port();
    return "CONNECT "
        + target
        + " HTTP/1.1\r\nHost: "
        + target
        + "\r\n"
        + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n")
        + "\r\n";
  }

  /** Sends a CONNECT and returns the response head, lower-casing nothing. */
  private String httpConnect(InetSocketAddress address, String authorization) throws IOException {
    try (SocksClient client = new SocksClient(address)) {
      client.out.write(connectRequest(authorization).getBytes(StandardCharsets.US_ASCII));
      return readHead(client.in);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int next = in.read();
      if (next < 0) {
        break;
      }
      head.write(next);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private void assertFailureCounted(String reason) {
    assertFailureCounted(reason, 1);
  }

  private void assertFailureCounted(String reason, int times) {
    String line =
        "zcproxy_auth_failures_total{protocol=\"socks5\",reason=\""
            + reason
            + "\"} "
            + times
            + ".0";
    await().atMost(AWAIT).untilAsserted(() -> assertThat(registry.scrape()).contains(line));
  }
}
