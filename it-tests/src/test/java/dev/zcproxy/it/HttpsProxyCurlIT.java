package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Certificates;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.Digests;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.ProxyProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS-to-proxy with real curl ({@code --proxy https://...}): a forwarded request and a CONNECT
 * tunnel, both inside TLS, against a proxy with a generated development certificate ({@code
 * --proxy-insecure}) and one with a certificate from files ({@code --proxy-cacert}).
 *
 * <p>The suite runs once per relay. A tunnel inside TLS must take the copy relay under {@code
 * splice} too: the sockets carry ciphertext. Its bytes are counted as {@code protocol="http",
 * relay="copy"}: the protocol label names the proxy protocol inside TLS.
 */
class HttpsProxyCurlIT {

  @TempDir static Path workDir;

  static OriginServer origin;
  static Path certificate;
  static ProxyProcess selfSigned;
  static ProxyProcess withFiles;

  @BeforeAll
  static void startProxies() throws Exception {
    origin = OriginServer.start();
    Path tls = Files.createDirectories(workDir.resolve("tls"));
    certificate = tls.resolve("proxy.crt");
    Path key = tls.resolve("proxy.key");
    Certificates.selfSignedForLoopback(certificate, key);
    String policy =
        """
        anonymous: false
        users:
          - { name: alice, password: "{plain}wonderland" }
        rules:
          - action: allow
            users: [alice]
            destinations: ["127.0.0.1/32"]
            ports: ["%d"]
        """
            .formatted(origin.port());
    selfSigned =
        ProxyProcess.builder(workDir.resolve("self-signed"))
            .name("HttpsProxyCurlIT-selfSigned")
            .policy(policy)
            .extraConfigLine("tls:\n  selfSigned: true")
            .start();
    withFiles =
        ProxyProcess.builder(workDir.resolve("files"))
            .name("HttpsProxyCurlIT-files")
            .policy(policy)
            .extraConfigLine("tls: { certificate: " + certificate + ", privateKey: " + key + " }")
            .start();
  }

  @AfterAll
  static void stopProxies() throws Exception {
    Closeables.closeAll(selfSigned, withFiles, origin);
  }

  @Test
  void theSelfSignedCertificateIsAnnouncedAsAWarning() {
    assertThat(selfSigned.log())
        .contains("WARN")
        .contains("tls.selfSigned: serving TLS with a certificate generated at startup");
    assertThat(withFiles.log()).doesNotContain("tls.selfSigned");
  }

  @Test
  void forwardsARequestInsideTls() {
    Curl.Result result =
        Curl.httpsProxyInsecure(selfSigned.port())
            .user("alice", "wonderland")
            .fetch(origin.url("/hello"));

    assertHello(result);
    selfSigned.assertCleanLog();
  }

  @Test
  void tunnelsInsideTlsAndTheTunnelTakesTheCopyRelay() {
    double copiedBefore = relayedBytes(selfSigned, "http", "copy");
    double splicedBefore = relayedBytes(selfSigned, "http", "splice");

    Curl.Result result =
        Curl.httpsProxyInsecure(selfSigned.port())
            .tunnel()
            .user("alice", "wonderland")
            .fetch(origin.url("/hello"));

    assertHello(result);
    assertThat(relayedBytes(selfSigned, "http", "copy") - copiedBefore)
        .as(
            "bytes of the tunnel inside TLS, relayed by copy (relay under test: %s)",
            ProxyProcess.relayUnderTest())
        .isGreaterThanOrEqualTo(OriginServer.HELLO_BODY.length());
    assertThat(relayedBytes(selfSigned, "http", "splice"))
        .as("a tunnel inside TLS is never spliced")
        .isEqualTo(splicedBefore);
    selfSigned.assertCleanLog();
  }

  @Test
  void tunnelsEightMebibytesInsideTlsByteForByte() {
    Curl.Result result =
        Curl.httpsProxyInsecure(selfSigned.port())
            .tunnel()
            .user("alice", "wonderland")
            .fetch(origin.url("/large"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.body()).hasSize(OriginServer.LARGE_BODY_SIZE);
    assertThat(result.bodySha256()).isEqualTo(OriginServer.largeBodySha256());
    selfSigned.assertCleanLog();
  }

  /**
   * curl 8's {@code --proxy-http2} (curl 7.88 lacks it): ALPN h2 with the proxy, then an HTTP/2
   * CONNECT stream per tunnel (RFC 9113 §8.5). Eight MiB come through byte for byte, a second
   * tunnel on the same connection too, and a wrong password is a 407 on the stream.
   */
  @Test
  void curl8TunnelsOverHttp2WithTheProxy() {
    double h2Before = selfSigned.metricSum("zcproxy_connections_total", "protocol=\"h2\"");

    Curl.Result result =
        curl8OverHttp2()
            .tunnel()
            .user("alice", "wonderland")
            .fetch(origin.url("/large"), origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stderr())
        .contains("ALPN: server accepted h2")
        .contains("CONNECT tunnel: HTTP/2");
    assertThat(result.body())
        .hasSize(OriginServer.LARGE_BODY_SIZE + OriginServer.HELLO_BODY.length());
    assertThat(Digests.sha256(java.util.Arrays.copyOf(result.body(), OriginServer.LARGE_BODY_SIZE)))
        .isEqualTo(OriginServer.largeBodySha256());
    assertThat(selfSigned.metricSum("zcproxy_connections_total", "protocol=\"h2\""))
        .as("HTTP/2 connections to the proxy")
        .isGreaterThan(h2Before);

    double badPasswordsBefore = badH2Passwords();
    Curl.Result refused =
        curl8OverHttp2().tunnel().user("alice", "looking-glass").fetch(origin.url("/hello"));
    assertThat(refused.exitCode())
        .as(refused.toString())
        .isEqualTo(Curl.EXIT_CONNECT_TUNNEL_FAILED);
    // curl 8.14 does not print an HTTP/2 CONNECT's status; this is how it reports a 407 that
    // challenges the Basic credentials it sent
    assertThat(refused.stderr()).contains("Basic authentication problem");
    await("the refused password in the metrics")
        .atMost(Duration.ofSeconds(10))
        .until(() -> badH2Passwords() > badPasswordsBefore);
    selfSigned.assertCleanLog();
  }

  /**
   * curl puts a small POST's head and body in one TLS record, which arrives as one read of more
   * than {@code limits.maxHandshakeBytes} (4096): it used to be cut off with an empty reply.
   */
  @Test
  void postsAFormLargerThanTheHandshakeCapInsideTls() throws Exception {
    for (int size : new int[] {5_000, 20_000}) {
      byte[] form = "a=".concat("b".repeat(size - 2)).getBytes(StandardCharsets.US_ASCII);
      Path file = Files.write(workDir.resolve("form-" + size), form);

      Curl.Result result =
          Curl.httpsProxyInsecure(selfSigned.port())
              .user("alice", "wonderland")
              .postFile(file)
              .fetch(origin.url("/echo/form-" + size));

      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.httpStatus()).isEqualTo(200);
      assertThat(result.bodySha256()).isEqualTo(Digests.sha256(form));
      assertThat(origin.requestsTo("/echo/form-" + size)).hasSize(1);
    }
    selfSigned.assertCleanLog();
  }

  @Test
  void forwardsAndTunnelsWithTheCertificateVerified() {
    assertHello(
        Curl.httpsProxy(withFiles.port(), certificate)
            .user("alice", "wonderland")
            .fetch(origin.url("/hello")));
    assertHello(
        Curl.httpsProxy(withFiles.port(), certificate)
            .tunnel()
            .user("alice", "wonderland")
            .fetch(origin.url("/hello")));
    withFiles.assertCleanLog();
  }

  @Test
  void aWrongPasswordInsideTlsGets407() {
    Curl.Result result =
        Curl.httpsProxy(withFiles.port(), certificate)
            .user("alice", "looking-glass")
            .fetch(origin.url("/hello"));

    assertThat(result.httpStatus()).as(result.toString()).isEqualTo(407);
    withFiles.assertCleanLog();
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsCountedAsAFailedHandshake() {
    double before = rejectedHandshakes(withFiles);

    Curl.Result result =
        Curl.httpsProxyVerifyingBySystemCas(withFiles.port())
            .user("alice", "wonderland")
            .fetch(origin.url("/hello"));

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(60); // CURLE_PEER_FAILED_VERIF
    await("the failed handshake in the metrics")
        .atMost(Duration.ofSeconds(10))
        .until(() -> rejectedHandshakes(withFiles) > before);
    withFiles.assertCleanLog();
  }

  @Test
  void plainClientsAreServedNextToTlsOnes() {
    assertHello(
        Curl.socks5(withFiles.port()).user("alice", "wonderland").fetch(origin.url("/hello")));
    withFiles.assertCleanLog();
  }

  private static void assertHello(Curl.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(result.bodyText()).isEqualTo(OriginServer.HELLO_BODY);
  }

  /** curl 8 to the self-signed proxy over TLS, asking for HTTP/2 ({@code -v} for its account). */
  private static Curl curl8OverHttp2() {
    return Curl.withProxyOptions(
            "--proxy",
            "https://127.0.0.1:" + selfSigned.port(),
            "--proxy-insecure",
            "--proxy-http2",
            "-v")
        .curl8();
  }

  private static double badH2Passwords() {
    return selfSigned.metricSum(
        "zcproxy_auth_failures_total", "protocol=\"h2\"", "reason=\"bad_password\"");
  }

  private static double rejectedHandshakes(ProxyProcess proxy) {
    return proxy.metricSum(
        "zcproxy_connections_rejected_total", "protocol=\"tls\"", "reason=\"handshake\"");
  }

  private static double relayedBytes(ProxyProcess proxy, String protocol, String relay) {
    return proxy.metricSum(
        "zcproxy_bytes_relayed_total", "protocol=\"" + protocol + "\"", "relay=\"" + relay + "\"");
  }
}
