package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Digests;
import dev.zcproxy.it.support.Nghttp;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.OriginServer.ReceivedRequest;
import dev.zcproxy.it.support.ProxyProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http://} forwarding over HTTP/2 with a real client: nghttp sends its requests to the
 * proxy's address with the origin in {@code :authority}, over h2c with prior knowledge and over TLS
 * with ALPN {@code h2}. The origin sees an HTTP/1.1 request that names the proxy in {@code Via}
 * with the protocol it received, {@code 2}.
 */
class Http2NghttpIT {
  private static final String VIA_OVER_HTTP_2 = "2 zcproxy-[0-9a-f]{8}";
  private static final String ALICE =
      "proxy-authorization: Basic "
          + Base64.getEncoder().encodeToString("alice:wonderland".getBytes());

  @TempDir static Path workDir;

  static OriginServer origin;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    origin = OriginServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("Http2NghttpIT")
            .policy(
                """
                users:
                  - { name: alice, password: "{plain}wonderland" }
                rules:
                  - action: allow
                    users: [alice]
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

  private static String originAuthority() {
    return "127.0.0.1:" + origin.port();
  }

  @Test
  void forwardsAGetOverH2c() {
    Nghttp.Result result =
        Nghttp.h2c(proxy.port()).header(ALICE).forward(originAuthority(), "/hello/h2c");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.status()).as(result.toString()).isEqualTo(200);
    assertThat(result.output()).contains(OriginServer.HELLO_BODY);
    assertForwarded("/hello/h2c");
    proxy.assertCleanLog();
  }

  @Test
  void forwardsAPostOverTlsWithAlpnH2() throws Exception {
    byte[] body = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(body);
    Path file = Files.write(workDir.resolve("post.bin"), body);

    Nghttp.Result result =
        Nghttp.tls(proxy.port()).header(ALICE).data(file).forward(originAuthority(), "/echo/tls");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.alpn()).isEqualTo("h2");
    assertThat(result.status()).as(result.toString()).isEqualTo(200);
    List<ReceivedRequest> received = origin.requestsTo("/echo/tls");
    assertThat(received).hasSize(1);
    assertThat(received.getFirst().method()).isEqualTo("POST");
    assertThat(received.getFirst().bodySha256()).isEqualTo(Digests.sha256(body));
    assertThat(received.getFirst().header("Via"))
        .singleElement()
        .asString()
        .matches(VIA_OVER_HTTP_2);
    proxy.assertCleanLog();
  }

  @Test
  void refusesWithoutCredentialsWith407() {
    Nghttp.Result result = Nghttp.h2c(proxy.port()).forward(originAuthority(), "/hello/anonymous");

    assertThat(result.status()).as(result.toString()).isEqualTo(407);
    assertThat(result.header("proxy-authenticate")).startsWith("Basic realm=\"zcproxy\"");
    assertThat(origin.requestsTo("/hello/anonymous")).isEmpty();
    proxy.assertCleanLog();
  }

  private static void assertForwarded(String path) {
    List<ReceivedRequest> received = origin.requestsTo(path);
    assertThat(received).hasSize(1);
    ReceivedRequest request = received.getFirst();
    assertThat(request.header("Host")).containsExactly(originAuthority());
    assertThat(request.header("Via")).singleElement().asString().matches(VIA_OVER_HTTP_2);
    assertThat(request.header("Proxy-Authorization")).isEmpty();
  }
}
