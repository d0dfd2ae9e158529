package dev.zcproxy.inbound.netty.http.h1;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.ascii;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.basic;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.body;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.headLines;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.pseudonym;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.statusLine;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.ProxyTestKit.UpstreamChannel;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the proxy answers itself: authentication, policy, unreachable origins, loops, limits. */
class HttpRefusalTest {
  private static final String CHALLENGE =
      "proxy-authenticate: Basic realm=\"zcproxy\", charset=\"UTF-8\"";

  private final List<ByteBuf> sent = new ArrayList<>();
  private EmbeddedProxy proxy = new EmbeddedProxy(false);

  @AfterEach
  void releaseUpstreams() {
    proxy.upstreams.forEach(UpstreamChannel::finishAndReleaseAll);
  }

  private static String get(String credentials) {
    return "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
        + (credentials == null ? "" : "Proxy-Authorization: " + credentials + "\r\n")
        + "\r\n";
  }

  private String refusal(String request) {
    return refusal(Delivery.WHOLE, request);
  }

  private String refusal(Delivery delivery, String request) {
    ClientChannel client = proxy.newClient();
    sent.addAll(delivery.send(client, ascii(request)));
    String answer = text(client);
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
    return answer;
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void no_credentials_get_a_challenge_and_are_never_forwarded(Delivery delivery) {
    String answer = refusal(delivery, get(null));

    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 407 Proxy Authentication Required");
    assertThat(headLines(answer)).contains(CHALLENGE);
    assertThat(proxy.gateRequests).isEmpty();
    assertThat(proxy.authentication.calls).isEmpty();
    assertThat(
            proxy.counter("zcproxy.auth.failures", "protocol", "http", "reason", "no_credentials"))
        .isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "wrong password",
        "unknown user",
        "malformed base64",
        "no colon",
        "another scheme",
        "bad utf-8"
      })
  void bad_credentials_get_a_challenge_and_are_never_forwarded(String which) {
    String credentials =
        switch (which) {
          case "wrong password" -> basic("alice", "wrong");
          case "unknown user" -> basic("mallory", "secret");
          case "malformed base64" -> "Basic !!!notbase64";
          case "no colon" ->
              "Basic " + java.util.Base64.getEncoder().encodeToString(ascii("alice"));
          case "another scheme" -> "Negotiate YIIB";
          default ->
              "Basic "
                  + java.util.Base64.getEncoder()
                      .encodeToString(new byte[] {(byte) 0xC3, ':', 'x'});
        };

    String answer = refusal(get(credentials));

    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 407 Proxy Authentication Required");
    assertThat(headLines(answer)).contains(CHALLENGE);
    assertThat(proxy.gateRequests).isEmpty();
  }

  @Test
  void a_throttled_login_gets_a_challenge() {
    proxy.authentication.throttled = true;

    String answer = refusal(get(basic("alice", "secret")));

    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 407 Proxy Authentication Required");
    assertThat(proxy.counter("zcproxy.auth.failures", "protocol", "http", "reason", "throttled"))
        .isEqualTo(1);
  }

  @Test
  void a_denied_destination_gets_403_naming_the_rule() {
    proxy.gateRefusal = ProxyRefusal.Kind.NOT_ALLOWED;

    String answer = refusal(get(basic("alice", "secret")));

    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 403 Forbidden");
    assertThat(headLines(answer)).contains("content-type: text/plain; charset=utf-8");
    assertThat(body(answer)).isEqualTo("fake gate says NOT_ALLOWED\n");
    assertThat(proxy.upstreams).isEmpty();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected", "protocol", "http", "reason", "not_allowed"))
        .isEqualTo(1);
  }

  @Test
  void a_name_that_does_not_resolve_is_a_bad_gateway() {
    proxy.gateRefusal = ProxyRefusal.Kind.HOST_UNREACHABLE;

    assertThat(statusLine(refusal(get(basic("alice", "secret")))))
        .isEqualTo("HTTP/1.1 502 Bad Gateway");
  }

  @Test
  void a_refused_connection_is_a_bad_gateway() {
    proxy.connectRefusal = ProxyRefusal.Kind.CONNECTION_REFUSED;

    assertThat(statusLine(refusal(get(basic("alice", "secret")))))
        .isEqualTo("HTTP/1.1 502 Bad Gateway");
  }

  @Test
  void a_timeout_is_a_gateway_timeout() {
    proxy.connectRefusal = ProxyRefusal.Kind.TIMEOUT;

    assertThat(statusLine(refusal(get(basic("alice", "secret")))))
        .isEqualTo("HTTP/1.1 504 Gateway Timeout");
  }

  @Test
  void a_request_that_already_passed_through_this_proxy_is_a_loop() {
    ClientChannel client = proxy.newClient();
    sent.addAll(Delivery.WHOLE.send(client, ascii(get(basic("alice", "secret")))));
    UpstreamChannel upstream = proxy.upstreams.getFirst();
    String name = pseudonym(text(upstream));
    HttpTestKit.respond(upstream, "HTTP/1.1 204 No Content\r\n\r\n");
    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 204 No Content");

    sent.addAll(
        Delivery.WHOLE.send(
            client,
            ascii(
                "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
                    + "Proxy-Authorization: "
                    + basic("alice", "secret")
                    + "\r\nVia: 1.0 fred, 1.1 "
                    + name
                    + " (zcproxy)\r\n\r\n")));

    String answer = text(client);
    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 508 Loop Detected");
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.gateRequests).hasSize(1);
    assertThat(text(upstream)).isEmpty();
    assertClean(client, sent);
  }

  @Test
  void another_proxys_via_is_not_a_loop() {
    ClientChannel client = proxy.newClient();

    sent.addAll(
        Delivery.WHOLE.send(
            client,
            ascii(
                "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
                    + "Proxy-Authorization: "
                    + basic("alice", "secret")
                    + "\r\nVia: 1.1 zcproxy-00000000\r\n\r\n")));

    String forwarded = text(proxy.upstreams.getFirst());
    assertThat(headLines(forwarded)).anyMatch(line -> line.startsWith("via: 1.1 zcproxy-00000000"));
    assertClean(client, sent);
  }

  @Test
  void a_user_at_its_connection_limit_gets_429() {
    proxy = new EmbeddedProxy(false, ProxyTestKit.settings(4096, 0, 0, 1));
    ClientChannel first = proxy.newClient();
    sent.addAll(Delivery.WHOLE.send(first, ascii(get(basic("alice", "secret")))));

    String answer = refusal(get(basic("alice", "secret")));

    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 429 Too Many Requests");
    assertThat(first.isOpen()).isTrue();
    assertClean(first, sent);
  }

  @Test
  void an_error_response_is_complete_http() {
    String answer = refusal(get(null));

    assertThat(headLines(answer))
        .contains("content-length: " + body(answer).length(), "connection: close");
    assertThat(body(answer)).isEqualTo("proxy authentication required\n");
  }
}
