package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.GssapiInitiator;
import dev.zcproxy.it.support.Kdc;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.Socks5Client;
import dev.zcproxy.it.support.Socks5Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kerberos with real clients: MIT kinit gets tickets from an embedded KDC, and clients use them
 * through the proxy. The proxy reads its keytab and accepts tickets without talking to the KDC, and
 * without a krb5.conf. {@code carol} has a ticket but is no policy user; {@code nobody} has none.
 *
 * <ul>
 *   <li>HTTP Negotiate: curl {@code --proxy-negotiate -U :}, service {@code HTTP/localhost}.
 *   <li>SOCKS5 GSS-API: Debian's curl 7.88 cannot do it against any server. It offers method 0x01,
 *       but forgets that it did when the server's method selection is not already waiting when it
 *       first reads (its {@code allow_gssapi} is a local variable reset on every call of its
 *       non-blocking SOCKS state machine), and fails with "SOCKS5 GSSAPI per-message authentication
 *       is not supported". curl 8.14.1 from bookworm-backports (the newest Debian builds) fails the
 *       same way against this proxy. So the SOCKS5 side runs Java's own GSS-API initiator on the
 *       credential cache kinit wrote, service {@code rcmd/localhost} as curl would ask for.
 * </ul>
 */
class KerberosCurlIT {

  @TempDir static Path workDir;

  static Kdc kdc;
  static OriginServer origin;
  static ProxyProcess proxy;
  static ProxyProcess protectedProxy;

  @BeforeAll
  static void start() {
    kdc = Kdc.start(workDir.resolve("kdc"));
    Path keytab =
        kdc.keytab("proxy.keytab", "rcmd/localhost@" + Kdc.REALM, "HTTP/localhost@" + Kdc.REALM);
    kdc.kinit("alice");
    kdc.kinit("carol");
    // Java's initiator reads the same krb5.conf as kinit; set before anything touches Kerberos.
    System.setProperty(
        "java.security.krb5.conf", kdc.clientEnvironment("alice").get("KRB5_CONFIG"));
    origin = OriginServer.start();
    proxy =
        ProxyProcess.builder(workDir.resolve("proxy"))
            .name("KerberosCurlIT")
            .policy(
                """
                anonymous: false
                users:
                  - { name: alice, password: "{plain}not-used-by-kerberos" }
                rules:
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                    ports: ["%d"]
                """
                    .formatted(origin.port()))
            .extraConfigLine("kerberos: { keytab: " + keytab + ", realm: " + Kdc.REALM + " }")
            .start();
    protectedProxy =
        ProxyProcess.builder(workDir.resolve("protected"))
            .name("KerberosCurlIT-protected")
            .policy(
                """
                anonymous: false
                users:
                  - { name: alice, password: "{plain}not-used-by-kerberos" }
                rules:
                  - action: allow
                    users: [alice]
                    destinations: ["127.0.0.1/32"]
                    ports: ["%d"]
                """
                    .formatted(origin.port()))
            .extraConfigLine(
                "kerberos: { keytab: "
                    + keytab
                    + ", realm: "
                    + Kdc.REALM
                    + ", socks5Protection: confidentiality }")
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(proxy, protectedProxy, origin, kdc);
  }

  private static Curl negotiate(String client) {
    return environment(
        Curl.withProxyOptions(
            "--proxy", "http://localhost:" + proxy.port(), "--proxy-negotiate", "-U", ":"),
        client);
  }

  private static Curl environment(Curl curl, String client) {
    Map<String, String> environment = kdc.clientEnvironment(client);
    environment.forEach(curl::environment);
    return curl;
  }

  @Test
  void socks5GssapiWithAKinitTicketReachesTheOrigin() throws IOException {
    try (Socks5Client client = Socks5Client.connect(proxy.port())) {
      int level =
          client.authenticateGssapi(
              GssapiInitiator.fromCredentialCache(kdc.credentialCache("alice"), "rcmd"));
      assertThat(level).as("no per-message protection").isZero();
      URI hello = URI.create(origin.url("/hello"));
      Socks5Reply reply =
          client.request(Socks5Client.CONNECT, new InetSocketAddress("127.0.0.1", hello.getPort()));
      assertThat(reply.code()).isEqualTo(Socks5Reply.SUCCEEDED);
      client.send(
          ("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(client.readUntilClosed(), StandardCharsets.UTF_8))
          .startsWith("HTTP/1.1 200")
          .endsWith(OriginServer.HELLO_BODY);
    }
    assertThat(proxy.log()).contains("Kerberos on: SOCKS5 GSS-API and HTTP Negotiate");
    proxy.assertCleanLog();
  }

  @Test
  void socks5GssapiWithConfidentialityEncryptsTheRequestAndTheTunnelAndIsCopied()
      throws IOException {
    double copiedBefore = relayedBytes(protectedProxy, "copy");
    GssapiInitiator initiator =
        GssapiInitiator.fromCredentialCache(kdc.credentialCache("alice"), "rcmd");
    try (Socks5Client client = Socks5Client.connect(protectedProxy.port())) {
      assertThat(client.authenticateGssapi(initiator, 0x02)).as("confidentiality").isEqualTo(2);
      int port = URI.create(origin.url("/hello")).getPort();
      client.sendEncapsulated(
          initiator, new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port}, true);
      byte[] reply = client.readEncapsulated(initiator, 10);
      assertThat(reply[1]).as("SOCKS5 reply code").isZero();
      client.sendEncapsulated(
          initiator,
          "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII),
          true);
      assertThat(new String(client.readEncapsulatedUntilClosed(initiator), StandardCharsets.UTF_8))
          .startsWith("HTTP/1.1 200")
          .endsWith(OriginServer.HELLO_BODY);
    }
    // tokens cannot be spliced: whatever the relay mode, this tunnel was copied
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> assertThat(relayedBytes(protectedProxy, "copy")).isGreaterThan(copiedBefore));
    assertThat(protectedProxy.log())
        .contains("SOCKS5 per-message protection up to confidentiality");
    protectedProxy.assertCleanLog();
  }

  @Test
  void httpNegotiateWithATicketOpensATunnelAndForwards() {
    Curl.Result tunnelled = negotiate("alice").tunnel().fetch(origin.url("/hello"));
    assertThat(tunnelled.exitCode()).as(tunnelled.toString()).isZero();
    assertThat(tunnelled.bodyText()).isEqualTo(OriginServer.HELLO_BODY);

    Curl.Result forwarded = negotiate("alice").fetch(origin.url("/hello"));
    assertThat(forwarded.exitCode()).as(forwarded.toString()).isZero();
    assertThat(forwarded.httpStatus()).isEqualTo(200);
    assertThat(forwarded.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
    proxy.assertCleanLog();
  }

  @Test
  void aPrincipalThePolicyDoesNotKnowIsRefused() throws IOException {
    double socksBefore = authFailures("socks5", "unknown_user");
    double httpBefore = authFailures("http", "unknown_user");

    try (Socks5Client socks = Socks5Client.connect(proxy.port())) {
      socks.startGssapi(GssapiInitiator.fromCredentialCache(kdc.credentialCache("carol"), "rcmd"));
      assertThat(socks.readExactly(2)).as("RFC 1961 abort").containsExactly(0x01, 0xFF);
      assertThat(socks.closedByProxy()).isTrue();
    }

    Curl.Result http = negotiate("carol").tunnel().fetch(origin.url("/hello"));
    assertThat(http.exitCode()).as(http.toString()).isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    assertThat(http.stderr()).contains("407");

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(authFailures("socks5", "unknown_user")).isEqualTo(socksBefore + 1);
              assertThat(authFailures("http", "unknown_user")).isEqualTo(httpBefore + 1);
            });
    proxy.assertCleanLog();
  }

  @Test
  void aClientWithoutATicketGetsNoTunnel() {
    Curl.Result http = negotiate("nobody").tunnel().verbose().fetch(origin.url("/hello"));
    assertThat(http.exitCode()).as(http.toString()).isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    assertThat(http.stderr().toLowerCase(java.util.Locale.ROOT))
        .contains("< http/1.1 407")
        .contains("< proxy-authenticate: negotiate")
        .contains("< proxy-authenticate: basic");
    proxy.assertCleanLog();
  }

  @Test
  void aMissingKeytabStopsTheProxyAtStartupNamingTheKey() {
    Path missing = workDir.resolve("no-such.keytab");
    ProxyProcess.Exited exited =
        ProxyProcess.builder(workDir.resolve("bad-keytab"))
            .name("KerberosCurlIT-missing-keytab")
            .extraConfigLine("kerberos: { keytab: " + missing + ", realm: " + Kdc.REALM + " }")
            .startExpectingExit();

    assertThat(exited.status()).isEqualTo(2);
    assertThat(exited.stderr())
        .contains("config key 'kerberos.keytab': no such file: " + missing)
        .doesNotContain("\tat ");
  }

  private static double relayedBytes(ProxyProcess process, String relay) {
    String prefix =
        "zcproxy_bytes_relayed_total{direction=\"downstream\",protocol=\"socks5\",relay=\""
            + relay
            + "\"} ";
    return process
        .admin("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith(prefix))
        .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length())))
        .findFirst()
        .orElse(0);
  }

  private static double authFailures(String protocol, String reason) {
    String prefix =
        "zcproxy_auth_failures_total{protocol=\"" + protocol + "\",reason=\"" + reason + "\"} ";
    return proxy
        .admin("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith(prefix))
        .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length())))
        .findFirst()
        .orElse(0);
  }
}
