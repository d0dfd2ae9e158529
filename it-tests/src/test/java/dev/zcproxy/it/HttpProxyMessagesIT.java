package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.Digests;
import dev.zcproxy.it.support.OriginServer;
import dev.zcproxy.it.support.OriginServer.ReceivedRequest;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.RawHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the HTTP proxy does to the messages it forwards: request bodies arrive byte for byte in
 * either framing, and a request the proxy cannot frame safely (smuggling), that is too large, or
 * that has been through it already is refused before anything reaches the origin.
 */
class HttpProxyMessagesIT {

  /** Larger than the proxy's 64 KiB body pieces and curl's 1 MiB Expect threshold, and odd. */
  private static final int UPLOAD_SIZE = 3 * 1024 * 1024 + 17;

  @TempDir static Path workDir;

  static OriginServer origin;
  static ProxyProcess proxy;
  static Path upload;
  static String uploadSha256;

  @BeforeAll
  static void startProxy() throws IOException {
    origin = OriginServer.start();
    byte[] noise = new byte[UPLOAD_SIZE];
    new SplittableRandom(0xB0D1_E5L).nextBytes(noise);
    upload = Files.write(workDir.resolve("upload.bin"), noise);
    uploadSha256 = Digests.sha256(noise);
    proxy =
        ProxyProcess.builder(workDir)
            .name("HttpProxyMessagesIT")
            .policy(
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
                    .formatted(origin.port()))
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, origin);
  }

  private static Curl alice() {
    return Curl.httpProxy(proxy.port()).user("alice", "wonderland");
  }

  @Test
  void postWithContentLengthArrivesByteForByte() {
    Curl.Result result = alice().postFile(upload).fetch(origin.url("/echo/content-length"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    ReceivedRequest request = origin.requestsTo("/echo/content-length").getFirst();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.header("Content-Length")).containsExactly(Integer.toString(UPLOAD_SIZE));
    assertThat(request.header("Transfer-Encoding")).isEmpty();
    assertThat(request.body()).hasSize(UPLOAD_SIZE);
    assertThat(request.bodySha256()).isEqualTo(uploadSha256);
    assertThat(result.bodySha256()).as("the echo on the way back").isEqualTo(uploadSha256);
    proxy.assertCleanLog();
  }

  @Test
  void chunkedPostArrivesByteForByte() {
    Curl.Result result =
        alice()
            .header("Transfer-Encoding: chunked")
            .postFile(upload)
            .fetch(origin.url("/echo/chunked"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    ReceivedRequest request = origin.requestsTo("/echo/chunked").getFirst();
    assertThat(request.header("Transfer-Encoding")).containsExactly("chunked");
    assertThat(request.header("Content-Length")).isEmpty();
    assertThat(request.body()).hasSize(UPLOAD_SIZE);
    assertThat(request.bodySha256()).isEqualTo(uploadSha256);
    assertThat(result.bodySha256()).as("the echo on the way back").isEqualTo(uploadSha256);
    proxy.assertCleanLog();
  }

  @Test
  void postThroughConnectTunnelArrivesByteForByte() {
    Curl.Result result = alice().tunnel().postFile(upload).fetch(origin.url("/echo/tunnel"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(origin.requestsTo("/echo/tunnel").getFirst().bodySha256()).isEqualTo(uploadSha256);
    assertThat(result.bodySha256()).isEqualTo(uploadSha256);
    proxy.assertCleanLog();
  }

  @Test
  void contentLengthBesideTransferEncodingIsRefusedAndClosed() {
    // The classic CL.TE smuggling: an origin that trusts Content-Length would read the chunked
    // terminator as its body and the GET behind it as a second request.
    RawHttp.Response response =
        RawHttp.exchange(
            proxy.port(),
            """
            POST %1$s HTTP/1.1\r
            Host: 127.0.0.1:%2$d\r
            Proxy-Authorization: %3$s\r
            Content-Length: 5\r
            Transfer-Encoding: chunked\r
            \r
            0\r
            \r
            GET %4$s HTTP/1.1\r
            Host: 127.0.0.1:%2$d\r
            \r
            """
                .formatted(
                    origin.url("/echo/smuggling-carrier"),
                    origin.port(),
                    RawHttp.basic("alice", "wonderland"),
                    origin.url("/hello/smuggled")));

    assertThat(response.status()).as(response.text()).isEqualTo(400);
    assertThat(response.text()).containsIgnoringCase("\r\nConnection: close\r\n");
    assertThat(response.closed()).isTrue();
    assertThat(origin.requestsTo("/echo/smuggling-carrier")).isEmpty();
    assertThat(origin.requestsTo("/hello/smuggled")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void twoDifferentContentLengthsAreRefusedAndClosed() {
    RawHttp.Response response =
        RawHttp.exchange(
            proxy.port(),
            """
            POST %1$s HTTP/1.1\r
            Host: 127.0.0.1:%2$d\r
            Proxy-Authorization: %3$s\r
            Content-Length: 3\r
            Content-Length: 4\r
            \r
            abcd"""
                .formatted(
                    origin.url("/echo/two-lengths"),
                    origin.port(),
                    RawHttp.basic("alice", "wonderland")));

    assertThat(response.status()).as(response.text()).isEqualTo(400);
    assertThat(response.closed()).isTrue();
    assertThat(origin.requestsTo("/echo/two-lengths")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void requestLineLongerThanEightKibibytesIs414() {
    String longPath = "/hello/" + "a".repeat(9 * 1024);

    Curl.Result result = alice().fetch(origin.url(longPath));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(414);
    assertThat(origin.requestsTo("/hello/aaaa")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void headersLargerThanSixteenKibibytesAre431() {
    Curl.Result result =
        alice()
            .header("X-Padding: " + "b".repeat(17 * 1024))
            .fetch(origin.url("/hello/large-headers"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(431);
    assertThat(origin.requestsTo("/hello/large-headers")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void requestThatAlreadyPassedThisProxyIsALoop() {
    Curl.Result first = alice().fetch(origin.url("/hello/learn-pseudonym"));
    assertThat(first.exitCode()).as(first.toString()).isZero();
    String via = origin.requestsTo("/hello/learn-pseudonym").getFirst().header("Via").getFirst();

    Curl.Result looped =
        alice().header("Via: 1.1 upstream-cache, " + via).fetch(origin.url("/hello/looped"));

    assertThat(looped.exitCode()).as(looped.toString()).isZero();
    assertThat(looped.httpStatus()).isEqualTo(508);
    assertThat(origin.requestsTo("/hello/looped")).isEmpty();
    proxy.assertCleanLog();
  }

  @Test
  void anotherProxysViaIsPassedOnWithThisProxyAppended() {
    Curl.Result result =
        alice().header("Via: 1.1 upstream-cache").fetch(origin.url("/hello/chained"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.httpStatus()).isEqualTo(200);
    assertThat(String.join(", ", origin.requestsTo("/hello/chained").getFirst().header("Via")))
        .matches("1\\.1 upstream-cache, 1\\.1 zcproxy-[0-9a-f]{8}");
    proxy.assertCleanLog();
  }
}
