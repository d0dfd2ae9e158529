package dev.zcproxy.inbound.netty.http.h1;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.ascii;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.basic;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.body;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.content;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.headLines;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.parseRequest;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.parseResponse;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.respond;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.statusLine;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.ProxyTestKit.UpstreamChannel;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Forwarded requests on embedded channels: headers, bodies both ways, keep-alive and reuse. */
class HttpForwardTest {
  private static final String ALICE = "Proxy-Authorization: " + basic("alice", "secret") + "\r\n";

  private static final String GET =
      "GET http://example.com/index.html?q=1 HTTP/1.1\r\n"
          + "Host: example.com\r\n"
          + "User-Agent: test\r\n"
          + ALICE
          + "Proxy-Connection: keep-alive\r\n"
          + "Connection: keep-alive, X-Private\r\n"
          + "X-Private: hop\r\n"
          + "TE: trailers\r\n"
          + "Accept: */*\r\n"
          + "\r\n";

  private static final String OK =
      "HTTP/1.1 200 OK\r\n"
          + "Content-Length: 5\r\n"
          + "Keep-Alive: timeout=5\r\n"
          + "Connection: keep-alive\r\n"
          + "\r\n"
          + "hello";

  private final List<ByteBuf> sent = new ArrayList<>();
  private final EmbeddedProxy proxy = new EmbeddedProxy(false);

  @AfterEach
  void releaseUpstreams() {
    proxy.upstreams.forEach(UpstreamChannel::finishAndReleaseAll);
  }

  private void send(Delivery delivery, ClientChannel client, String text) {
    sent.addAll(delivery.send(client, ascii(text)));
  }

  private UpstreamChannel upstream(int index) {
    return proxy.upstreams.get(index);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void forwards_in_origin_form_without_hop_by_hop_fields(Delivery delivery) {
    ClientChannel client = proxy.newClient();

    send(delivery, client, GET);

    assertThat(proxy.gateRequests).containsExactly(Destination.ofHost("example.com", 80));
    String forwarded = text(upstream(0));
    assertThat(statusLine(forwarded)).isEqualTo("GET /index.html?q=1 HTTP/1.1");
    assertThat(headLines(forwarded))
        .contains("host: example.com", "user-agent: test", "accept: */*")
        .noneMatch(line -> line.startsWith("proxy-"))
        .noneMatch(line -> line.startsWith("connection:"))
        .noneMatch(line -> line.startsWith("x-private:"))
        .noneMatch(line -> line.startsWith("te:"));
    assertThat(forwarded).containsPattern(HttpTestKit.VIA).endsWith("\r\n\r\n");

    respond(upstream(0), OK);

    String answer = text(client);
    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 200 OK");
    assertThat(headLines(answer))
        .contains("content-length: 5")
        .noneMatch(line -> line.startsWith("keep-alive:"))
        .noneMatch(line -> line.startsWith("connection:"));
    assertThat(answer).containsPattern(HttpTestKit.VIA);
    assertThat(body(answer)).isEqualTo("hello");
    assertThat(client.isOpen()).isTrue();
    assertThat(proxy.handshakes("http")).isEqualTo(1);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "http")).isEqualTo(1);
    assertThat(
            proxy.counter("zcproxy.bytes.relayed", "protocol", "http", "direction", "downstream"))
        .isEqualTo(5);
    assertClean(client, sent);
  }

  @Test
  void keep_alive_reuses_the_upstream_connection_and_the_login() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));
    respond(upstream(0), OK);
    assertThat(body(text(client))).isEqualTo("hello");

    send(Delivery.WHOLE, client, GET.replace("index.html", "second"));

    assertThat(proxy.upstreams).hasSize(1);
    assertThat(statusLine(text(upstream(0)))).isEqualTo("GET /second?q=1 HTTP/1.1");
    respond(upstream(0), OK);
    assertThat(body(text(client))).isEqualTo("hello");
    assertThat(proxy.authentication.calls).hasSize(1);
    assertThat(proxy.gateRequests).hasSize(2);
    assertClean(client, sent);
  }

  @Test
  void pipelined_requests_are_answered_in_order_one_at_a_time() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET + GET.replace("index.html", "second"));

    assertThat(statusLine(text(upstream(0)))).isEqualTo("GET /index.html?q=1 HTTP/1.1");
    respond(upstream(0), OK);

    assertThat(statusLine(text(upstream(0)))).isEqualTo("GET /second?q=1 HTTP/1.1");
    respond(upstream(0), OK.replace("hello", "world"));
    String answers = text(client);
    assertThat(answers).contains("hello").contains("world");
    assertThat(answers.indexOf("hello")).isLessThan(answers.indexOf("world"));
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_body_with_content_length_streams_upstream(Delivery delivery) {
    ClientChannel client = proxy.newClient();
    String body = "x".repeat(300);

    send(
        delivery,
        client,
        "POST http://example.com/upload HTTP/1.1\r\nHost: example.com\r\n"
            + ALICE
            + "Content-Length: 300\r\n\r\n"
            + body);

    FullHttpRequest received = parseRequest(text(upstream(0)));
    assertThat(received.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("300");
    assertThat(content(received)).isEqualTo(body);
    respond(upstream(0), OK);
    assertThat(body(text(client))).isEqualTo("hello");
    assertThat(proxy.counter("zcproxy.bytes.relayed", "protocol", "http", "direction", "upstream"))
        .isEqualTo(300);
    assertClean(client, sent);
  }

  /**
   * A head and its body in one read, far over {@code limits.maxHandshakeBytes} (as one decrypted
   * TLS record brings a 5 KB form through an HTTPS proxy): the byte cap is for SOCKS handshakes,
   * HTTP bounds its own input. It used to be cut off without a word.
   */
  @Test
  void a_head_and_body_in_one_read_may_exceed_the_handshake_byte_cap() {
    EmbeddedProxy capped = new EmbeddedProxy(false, ProxyTestKit.settings(64, 0, 0, 0));
    ClientChannel client = capped.newClient();
    String body = "x".repeat(5000);
    String cookie = "Cookie: " + "c".repeat(3000) + "\r\n"; // a head alone over the cap

    send(
        Delivery.WHOLE,
        client,
        "POST http://example.com/form HTTP/1.1\r\nHost: example.com\r\n"
            + ALICE
            + cookie
            + "Content-Length: 5000\r\n\r\n"
            + body);

    FullHttpRequest received = parseRequest(text(capped.upstreams.getFirst()));
    assertThat(content(received)).isEqualTo(body);
    respond(capped.upstreams.getFirst(), OK);
    assertThat(body(text(client))).isEqualTo("hello");
    assertThat(capped.counter("zcproxy.connections.rejected", "reason", HandshakeGuard.TOO_LARGE))
        .isZero();
    capped.upstreams.forEach(UpstreamChannel::finishAndReleaseAll);
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_chunked_body_is_chunked_again_with_its_trailers(Delivery delivery) {
    ClientChannel client = proxy.newClient();

    send(
        delivery,
        client,
        "POST http://example.com/upload HTTP/1.1\r\nHost: example.com\r\n"
            + ALICE
            + "Transfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");

    String raw = text(upstream(0));
    assertThat(headLines(raw)).contains("transfer-encoding: chunked");
    FullHttpRequest received = parseRequest(raw);
    assertThat(received.trailingHeaders().get("X-Checksum")).isEqualTo("42");
    assertThat(content(received)).isEqualTo("hello world");
    respond(upstream(0), OK);
    assertThat(body(text(client))).isEqualTo("hello");
    assertClean(client, sent);
  }

  @Test
  void a_response_without_length_is_chunked_for_the_client() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));

    respond(upstream(0), "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ");
    respond(upstream(0), "world");
    upstream(0).close(); // the end of a close-delimited body

    String answer = text(client);
    assertThat(headLines(answer)).contains("transfer-encoding: chunked");
    FullHttpResponse response = parseResponse(answer);
    assertThat(content(response)).isEqualTo("hello world");
    assertThat(client.isOpen()).as("the client connection outlives the origin's").isTrue();
    send(Delivery.WHOLE, client, GET);
    assertThat(proxy.upstreams).as("a close-delimited connection is not reused").hasSize(2);
    assertClean(client, sent);
  }

  @Test
  void an_http_1_0_client_gets_a_close_delimited_body() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, "GET http://example.com/ HTTP/1.0\r\n" + ALICE + "\r\n");
    assertThat(statusLine(text(upstream(0)))).isEqualTo("GET / HTTP/1.1");

    respond(
        upstream(0),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

    String answer = text(client);
    assertThat(headLines(answer))
        .contains("connection: close")
        .noneMatch(line -> line.startsWith("transfer-encoding"));
    assertThat(body(answer)).isEqualTo("hello");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void a_head_response_has_no_body_and_keeps_its_length() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET.replace("GET ", "HEAD "));
    text(upstream(0));

    respond(upstream(0), "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");

    String answer = text(client);
    assertThat(headLines(answer)).contains("content-length: 1000");
    assertThat(body(answer)).isEmpty();
    send(Delivery.WHOLE, client, GET);
    assertThat(proxy.upstreams).as("the HEAD's connection is reused").hasSize(1);
    assertClean(client, sent);
  }

  @Test
  void expect_continue_passes_through_before_the_body() {
    ClientChannel client = proxy.newClient();
    send(
        Delivery.WHOLE,
        client,
        "PUT http://example.com/f HTTP/1.1\r\nHost: example.com\r\n"
            + ALICE
            + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    assertThat(headLines(text(upstream(0)))).contains("expect: 100-continue");

    respond(upstream(0), "HTTP/1.1 100 Continue\r\n\r\n");
    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 100 Continue");
    send(Delivery.WHOLE, client, "hello");
    assertThat(text(upstream(0))).isEqualTo("hello");
    respond(upstream(0), "HTTP/1.1 204 No Content\r\n\r\n");

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 204 No Content");
    assertThat(client.isOpen()).isTrue();
    assertClean(client, sent);
  }

  @Test
  void a_connection_header_cannot_strip_the_framing() {
    ClientChannel client = proxy.newClient();
    send(
        Delivery.WHOLE,
        client,
        "POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
            + ALICE
            + "Connection: Content-Length, Host\r\nContent-Length: 5\r\n\r\nhello");

    FullHttpRequest received = parseRequest(text(upstream(0)));
    assertThat(received.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("5");
    assertThat(received.headers().get(HttpHeaderNames.HOST)).isEqualTo("example.com");
    assertThat(content(received)).isEqualTo("hello");
    assertClean(client, sent);
  }

  @Test
  void host_comes_from_the_target_not_from_the_client() {
    ClientChannel client = proxy.newClient();
    send(
        Delivery.WHOLE,
        client,
        "GET http://10.1.2.3:8080/ HTTP/1.1\r\nHost: elsewhere.example\r\n" + ALICE + "\r\n");

    assertThat(headLines(text(upstream(0)))).contains("host: 10.1.2.3:8080");
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(java.net.InetAddress.ofLiteral("10.1.2.3"), 8080));
    assertClean(client, sent);
  }

  @Test
  void the_origin_closing_mid_response_closes_the_client() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));

    respond(upstream(0), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
    upstream(0).close();

    assertThat(body(text(client))).isEqualTo("hello");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void the_origin_closing_without_a_response_is_a_bad_gateway() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));

    upstream(0).close();

    String answer = text(client);
    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 502 Bad Gateway");
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void an_invalid_response_is_a_bad_gateway() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));

    respond(upstream(0), "SSH-2.0-OpenSSH_9.2\r\n\r\n");

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 502 Bad Gateway");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void a_pooled_connection_the_origin_dropped_is_retried_once_on_a_new_one() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));
    respond(upstream(0), OK);
    text(client);

    send(Delivery.WHOLE, client, GET);
    text(upstream(0));
    upstream(0).close(); // the origin had closed it; the request never arrived

    assertThat(proxy.upstreams).hasSize(2);
    assertThat(statusLine(text(upstream(1)))).isEqualTo("GET /index.html?q=1 HTTP/1.1");
    respond(upstream(1), OK);
    assertThat(body(text(client))).isEqualTo("hello");
    assertClean(client, sent);
  }

  @Test
  void a_pooled_connection_that_closes_while_idle_is_not_used_again() {
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GET);
    text(upstream(0));
    respond(upstream(0), OK);
    text(client);

    upstream(0).close();
    send(Delivery.WHOLE, client, GET);

    assertThat(proxy.upstreams).hasSize(2);
    assertThat(statusLine(text(upstream(1)))).isEqualTo("GET /index.html?q=1 HTTP/1.1");
    assertClean(client, sent);
  }

  @Test
  void an_early_answer_closes_both_sides() {
    ClientChannel client = proxy.newClient();
    send(
        Delivery.WHOLE,
        client,
        "POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
            + ALICE
            + "Content-Length: 100\r\n\r\npartial");
    text(upstream(0));

    respond(upstream(0), "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");

    String answer = text(client);
    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 413 Content Too Large");
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertThat(upstream(0).isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void an_anonymous_client_is_forwarded_when_the_policy_allows_it() {
    EmbeddedProxy open = new EmbeddedProxy(true);
    ClientChannel client = open.newClient();

    sent.addAll(
        Delivery.WHOLE.send(
            client, ascii("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")));

    assertThat(open.upstreams).hasSize(1);
    assertThat(statusLine(text(open.upstreams.getFirst()))).isEqualTo("GET / HTTP/1.1");
    assertClean(client, sent);
    open.upstreams.getFirst().finishAndReleaseAll();
  }
}
