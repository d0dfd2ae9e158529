package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.it.support.Chromium;
import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.OriginServer.ReceivedRequest;
import dev.zcproxy.it.support.ProxyProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser through the proxy: headless Chromium renders a page of the origin through the HTTP
 * proxy, through HTTPS to the proxy, and through SOCKS5. One proxy serves all three, as plain and
 * TLS clients share its port; its certificate is generated at startup, and Chromium accepts it by
 * the pin of its public key, which the test reads from the proxy first.
 *
 * <p>Chromium sends no proxy credentials from its command line, so the policy admits anonymous
 * clients, to the origin's port on 127.0.0.1 only: without a rule naming loopback the egress guard
 * would refuse it. Each test checks the rendered page and the proxy's trace of the request: the
 * {@code Via} it adds to a forwarded request, or its byte counters for SOCKS5.
 */
class ChromiumProxyIT {

  /** {@code Via} names the protocol the proxy received the request in: HTTP/1.1, or HTTP/2. */
  private static final String VIA_OF_THIS_PROXY_OVER_HTTP_1 = "1\\.1 zcproxy-[0-9a-f]{8}";

  private static final String VIA_OF_THIS_PROXY_OVER_HTTP_2 = "2 zcproxy-[0-9a-f]{8}";

  @TempDir static Path workDir;

  static OriginServer origin;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    Chromium.requireInstalled();
    origin = OriginServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("ChromiumProxyIT")
            .policy(
                """
                anonymous: true
                rules:
                  - action: allow
                    destinations: ["127.0.0.1/32"]
                    ports: ["%d"]
                """
                    .formatted(origin.port()))
            .extraConfigLine("tls:\n  selfSigned: true")
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, origin);
  }

  @Test
  void rendersAPageThroughTheHttpProxy() {
    Chromium.Result result =
        Chromium.httpProxy(proxy.port()).dumpDom(origin.url("/page/http-proxy"));

    assertThat(result.dom()).as(result.toString()).contains(OriginServer.PAGE_PARAGRAPH);
    assertForwardedByTheProxy("/page/http-proxy", VIA_OF_THIS_PROXY_OVER_HTTP_1);
    proxy.assertCleanLog();
  }

  @Test
  void rendersAPageThroughHttpsToTheProxyWithItsKeyPinned() {
    String pin = spkiSha256(proxy.port());
    double tlsConnectionsBefore = tlsConnections();
    double h2ConnectionsBefore = h2Connections();

    Chromium.Result result =
        Chromium.httpsProxyPinned(proxy.port(), pin).dumpDom(origin.url("/page/https-proxy"));

    assertThat(result.dom()).as(result.toString()).contains(OriginServer.PAGE_PARAGRAPH);
    // ALPN offers h2 first: Chromium takes it and sends its page load over HTTP/2
    assertForwardedByTheProxy("/page/https-proxy", VIA_OF_THIS_PROXY_OVER_HTTP_2);
    assertThat(tlsConnections())
        .as("TLS connections to the proxy")
        .isGreaterThan(tlsConnectionsBefore);
    assertThat(h2Connections())
        .as("HTTP/2 connections to the proxy (ALPN h2)")
        .isGreaterThan(h2ConnectionsBefore);
    proxy.assertCleanLog();
  }

  @Test
  void refusesTheGeneratedCertificateWithoutThePin() {
    Chromium.Result result =
        Chromium.httpsProxyVerifyingBySystemCas(proxy.port())
            .dumpDom(origin.url("/page/unpinned-https-proxy"));

    assertThat(result.dom()).as(result.toString()).doesNotContain(OriginServer.PAGE_PARAGRAPH);
    assertThat(result.stderr()).contains("net::ERR_PROXY_CERTIFICATE_INVALID");
    assertThat(origin.requestsTo("/page/unpinned-https-proxy")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void rendersAPageThroughSocks5() {
    double socks5BytesBefore = socks5DownstreamBytesOfTheRelayUnderTest();

    Chromium.Result result =
        Chromium.socks5(proxy.port()).dumpDom(origin.url("/page/socks5-proxy"));

    assertThat(result.dom()).as(result.toString()).contains(OriginServer.PAGE_PARAGRAPH);
    assertThat(origin.requestsTo("/page/socks5-proxy")).hasSize(1);
    // A SOCKS5 tunnel carries the response as it is: no Via, but the proxy counted its bytes,
    // under the relay the suite runs with. They are counted as the relay moves them, which may be
    // after Chromium has its page.
    assertThat(origin.requestsTo("/page/socks5-proxy").getFirst().header("Via")).isEmpty();
    await(
            "bytes from the origin relayed over SOCKS5 (relay under test: %s)"
                .formatted(ProxyProcess.relayUnderTest()))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> socks5DownstreamBytesOfTheRelayUnderTest() - socks5BytesBefore,
            relayed -> relayed >= OriginServer.PAGE_HTML.length());
    proxy.assertCleanLog();
  }

  private static void assertForwardedByTheProxy(String path, String via) {
    List<ReceivedRequest> received = origin.requestsTo(path);
    assertThat(received).hasSize(1);
    assertThat(received.getFirst().header("Via")).singleElement().asString().matches(via);
  }

  /**
   * The base64 SHA-256 of the proxy's SubjectPublicKeyInfo, as {@code
   * --ignore-certificate-errors-spki-list} takes it. Read over a TLS connection that trusts
   * whatever it is shown: the pin is only as good as this first look, as with any trust on first
   * use.
   */
  private static String spkiSha256(int port) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustingEveryCertificate()}, null);
      try (SSLSocket socket =
          (SSLSocket)
              context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        byte[] spki = socket.getSession().getPeerCertificates()[0].getPublicKey().getEncoded();
        return Base64.getEncoder()
            .encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the proxy's certificate", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has TLS and SHA-256", e);
    }
  }

  private static final class TrustingEveryCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static double tlsConnections() {
    return sum("zcproxy_connections_total", List.of("protocol=\"tls\""));
  }

  private static double h2Connections() {
    return sum("zcproxy_connections_total", List.of("protocol=\"h2\""));
  }

  /** Under {@code auto} the proxy picks the relay itself, so any relay's bytes count. */
  private static double socks5DownstreamBytesOfTheRelayUnderTest() {
    List<String> labels =
        new ArrayList<>(List.of("protocol=\"socks5\"", "direction=\"downstream\""));
    String relay = ProxyProcess.relayUnderTest();
    if (!relay.equals("auto")) {
      labels.add("relay=\"" + relay + "\"");
    }
    return sum("zcproxy_bytes_relayed_total", labels);
  }

  private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{([^}]*)} (\\S+)$");

  /** The sum of a metric's samples whose labels contain all of {@code labels}. */
  private static double sum(String name, List<String> labels) {
    double total = 0;
    for (String line : proxy.admin("/metrics").body().lines().toList()) {
      Matcher sample = SAMPLE.matcher(line);
      if (sample.matches()
          && sample.group(1).equals(name)
          && labels.stream().allMatch(sample.group(2)::contains)) {
        total += Double.parseDouble(sample.group(3));
      }
    }
    return total;
  }
}
