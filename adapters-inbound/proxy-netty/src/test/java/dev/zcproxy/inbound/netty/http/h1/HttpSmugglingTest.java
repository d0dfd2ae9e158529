package dev.zcproxy.inbound.netty.http.h1;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.ascii;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.basic;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.headLines;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.statusLine;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests that two HTTP parsers could read differently, each refused before anything reaches an
 * origin, whole and byte by byte; and the size limits of a request head.
 */
class HttpSmugglingTest {
  private static final String AUTH = "Proxy-Authorization: " + basic("alice", "secret") + "\r\n";
  private static final String TARGET = "http://example.com/";

  private final List<ByteBuf> sent = new ArrayList<>();

  private static String post(String headers, String body) {
    return "POST " + TARGET + " HTTP/1.1\r\nHost: example.com\r\n" + AUTH + headers + "\r\n" + body;
  }

  static Stream<Arguments> smuggling() {
    return Stream.of(
        Arguments.of(
            "Content-Length and Transfer-Encoding",
            post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")),
        Arguments.of(
            "differing Content-Lengths",
            post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!")),
        Arguments.of(
            "differing Content-Lengths in HTTP/1.0",
            post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!")
                .replace("HTTP/1.1", "HTTP/1.0")),
        Arguments.of(
            "equal Content-Lengths", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello")),
        Arguments.of("a list of Content-Lengths", post("Content-Length: 5, 5\r\n", "hello")),
        Arguments.of("an empty Content-Length", post("Content-Length:\r\n", "")),
        Arguments.of("a signed Content-Length", post("Content-Length: +5\r\n", "hello")),
        Arguments.of("xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n")),
        Arguments.of(
            "chunked twice",
            post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")),
        Arguments.of(
            "Transfer-Encoding in HTTP/1.0",
            post("Transfer-Encoding: chunked\r\n", "0\r\n\r\n").replace("HTTP/1.1", "HTTP/1.0")),
        Arguments.of(
            "a space before the colon", post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n")),
        Arguments.of("obs-fold", post("X-Folded: a\r\n b\r\n", "")),
        Arguments.of("obs-fold with a tab", post("X-Folded: a\r\n\tb\r\n", "")),
        Arguments.of(
            "whitespace before the first header",
            "GET " + TARGET + " HTTP/1.1\r\n Host: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "a bare LF ending the request line",
            "GET " + TARGET + " HTTP/1.1\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of("a bare LF ending a header", post("X-A: b\n", "")),
        Arguments.of("a bare CR in a header", post("X-A: b\rc\r\n", "")),
        Arguments.of(
            "NUL in the method",
            "G\0T " + TARGET + " HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "a control byte in the method",
            "GE\u0001 " + TARGET + " HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of("NUL in a header name", post("X-A\0B: c\r\n", "")),
        Arguments.of("a control byte in a header name", post("X-\u0007: c\r\n", "")),
        Arguments.of("NUL in a header value", post("X-A: b\0c\r\n", "")),
        Arguments.of(
            "NUL in the version",
            "GET " + TARGET + " HTTP/1.\u00001\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "a control byte in the version",
            "GET " + TARGET + " HTTP/1.1\u0001\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "a lower-case version",
            "GET " + TARGET + " http/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "tabs in the request line",
            "GET\t" + TARGET + "\tHTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "two spaces in the request line",
            "GET  " + TARGET + " HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "a space at the end of the request line",
            "GET " + TARGET + " HTTP/1.1 \r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "two Host headers",
            "GET "
                + TARGET
                + " HTTP/1.1\r\nHost: example.com\r\nHost: evil.example\r\n"
                + AUTH
                + "\r\n"),
        Arguments.of("no Host in HTTP/1.1", "GET " + TARGET + " HTTP/1.1\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "an origin-form target", "GET / HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "user information in the target",
            "GET http://good.example@evil.example/ HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n"),
        Arguments.of(
            "a CONNECT with a body",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
                + AUTH
                + "Content-Length: 5\r\n\r\nhello"),
        Arguments.of(
            "a CONNECT without a port",
            "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("smuggling")
  void is_refused_with_400_and_a_close(String name, String request) {
    for (Delivery delivery : Delivery.values()) {
      assertRefused(delivery, request, "HTTP/1.1 400 Bad Request");
    }
  }

  static Stream<Arguments> unsupported() {
    return Stream.of(
        Arguments.of(
            "gzip under chunked",
            post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"),
            "HTTP/1.1 501 Not Implemented"),
        Arguments.of(
            "an https target without CONNECT",
            "GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n",
            "HTTP/1.1 501 Not Implemented"),
        Arguments.of(
            "HTTP/2.0 in a request line",
            "GET " + TARGET + " HTTP/2.0\r\nHost: example.com\r\n" + AUTH + "\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported"),
        Arguments.of(
            "a request line over 8 KiB",
            "GET http://example.com/"
                + "a".repeat(HttpStrictRequestDecoder.MAX_REQUEST_LINE)
                + " HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "HTTP/1.1 414 Request-URI Too Long"),
        Arguments.of(
            "headers over 16 KiB (the default limits.maxHeaderBytes)",
            "GET "
                + TARGET
                + " HTTP/1.1\r\nHost: example.com\r\nX-Big: "
                + "b".repeat(ProxyServerSettings.DEFAULT_MAX_HEADER_BYTES)
                + "\r\n\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large"),
        Arguments.of(
            "more than 100 header fields",
            "GET "
                + TARGET
                + " HTTP/1.1\r\nHost: example.com\r\n"
                + "X-Many: m\r\n".repeat(HttpHeadScanner.MAX_HEADER_LINES)
                + "\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupported")
  void is_refused_with_its_status_and_a_close(String name, String request, String status) {
    for (Delivery delivery : Delivery.values()) {
      assertRefused(delivery, request, status);
    }
  }

  static Stream<Arguments> badBodies() {
    return Stream.of(
        Arguments.of("an absurd chunk size", "fffffffffffffffffff\r\n"),
        Arguments.of("a chunk size that is not hex", "5x\r\nhello\r\n0\r\n\r\n"),
        Arguments.of("a chunk without its CRLF", "5\r\nhelloXX0\r\n\r\n"),
        Arguments.of("a bare LF after a chunk size", "5\nhello\r\n0\r\n\r\n"),
        Arguments.of(
            "too many chunk extensions",
            "1"
                + ";e=v".repeat(HttpStrictRequestDecoder.MAX_REQUEST_LINE / 4)
                + "\r\nx\r\n0\r\n\r\n"));
  }

  /**
   * The head was fine, so it may already be on its way upstream when the bad chunk arrives (a
   * streaming proxy cannot wait for whole bodies); the origin then sees a request cut short and a
   * close, never a complete second request.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void a_malformed_chunked_body_is_refused_with_400(String name, String chunks) {
    for (Delivery delivery : Delivery.values()) {
      EmbeddedProxy proxy = new EmbeddedProxy(false, HttpTestKit.roomyFirstRead());
      ClientChannel client = proxy.newClient();
      sent.addAll(delivery.send(client, ascii(post("Transfer-Encoding: chunked\r\n", chunks))));

      String answer = text(client);
      assertThat(statusLine(answer)).as(delivery.name()).isEqualTo("HTTP/1.1 400 Bad Request");
      assertThat(headLines(answer)).contains("connection: close");
      assertThat(client.isOpen()).isFalse();
      assertThat(proxy.upstreams).allMatch(upstream -> !upstream.isOpen());
      proxy.upstreams.forEach(ProxyTestKit.UpstreamChannel::finishAndReleaseAll);
      assertClean(client, sent);
    }
  }

  @Test
  void a_bad_request_behind_a_good_one_is_refused_after_the_first_answer() {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();
    String good = "GET " + TARGET + " HTTP/1.1\r\nHost: example.com\r\n" + AUTH + "\r\n";
    String folded = post("X-Folded: a\r\n b\r\n", "");

    sent.addAll(Delivery.WHOLE.send(client, ascii(good + folded)));
    assertThat(statusLine(text(proxy.upstreams.getFirst()))).isEqualTo("GET / HTTP/1.1");
    HttpTestKit.respond(
        proxy.upstreams.getFirst(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    String answers = text(client);
    assertThat(answers).startsWith("HTTP/1.1 200 OK").contains("HTTP/1.1 400 Bad Request");
    assertThat(text(proxy.upstreams.getFirst())).as("nothing more reached the origin").isEmpty();
    assertThat(proxy.upstreams).hasSize(1);
    assertThat(client.isOpen()).isFalse();
    proxy.upstreams.getFirst().finishAndReleaseAll();
    assertClean(client, sent);
  }

  /**
   * A Kerberos {@code Negotiate} token from Active Directory carries the user's groups: up to 64
   * KiB in base64, so operators raise {@code limits.maxHeaderBytes}. A 40 KB header is then served.
   */
  @Test
  void a_header_block_under_a_raised_limit_is_forwarded() {
    String token = "t".repeat(40_000);
    String request =
        "GET "
            + TARGET
            + " HTTP/1.1\r\nHost: example.com\r\n"
            + AUTH
            + "X-Token: "
            + token
            + "\r\n\r\n";
    EmbeddedProxy proxy =
        new EmbeddedProxy(false, HttpTestKit.roomyFirstRead().withMaxHeaderBytes(64 * 1024));
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, ascii(request)));

    assertThat(text(client)).as("no refusal").isEmpty();
    String forwarded = text(proxy.upstreams.getFirst());
    assertThat(statusLine(forwarded)).isEqualTo("GET / HTTP/1.1");
    assertThat(headLines(forwarded)).contains("x-token: " + token);
    HttpTestKit.respond(
        proxy.upstreams.getFirst(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 200 OK");
    proxy.upstreams.getFirst().finishAndReleaseAll();
    assertClean(client, sent);
  }

  @Test
  void a_header_block_over_a_raised_limit_gets_431_naming_that_limit() {
    int limit = 64 * 1024;
    String request =
        "GET "
            + TARGET
            + " HTTP/1.1\r\nHost: example.com\r\n"
            + AUTH
            + "X-Token: "
            + "t".repeat(limit)
            + "\r\n\r\n";
    for (Delivery delivery : Delivery.values()) {
      EmbeddedProxy proxy =
          new EmbeddedProxy(false, HttpTestKit.roomyFirstRead().withMaxHeaderBytes(limit));
      ClientChannel client = proxy.newClient();

      sent.addAll(delivery.send(client, ascii(request)));

      String answer = text(client);
      assertThat(statusLine(answer))
          .as(delivery.name())
          .isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
      assertThat(HttpTestKit.body(answer)).contains("larger than " + limit + " bytes");
      assertThat(client.isOpen()).isFalse();
      assertThat(proxy.upstreams).isEmpty();
      assertClean(client, sent);
    }
  }

  private void assertRefused(Delivery delivery, String request, String status) {
    EmbeddedProxy proxy = new EmbeddedProxy(false, HttpTestKit.roomyFirstRead());
    ClientChannel client = proxy.newClient();

    sent.addAll(delivery.send(client, ascii(request)));

    String answer = text(client);
    assertThat(statusLine(answer)).as(delivery.name()).isEqualTo(status);
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.gateRequests).as("nothing was forwarded").isEmpty();
    assertThat(proxy.upstreams).isEmpty();
    assertThat(proxy.relayed).isEmpty();
    assertClean(client, sent);
  }
}
