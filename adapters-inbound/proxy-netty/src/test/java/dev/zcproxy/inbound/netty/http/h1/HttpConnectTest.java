package dev.zcproxy.inbound.netty.http.h1;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.ascii;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.basic;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.headLines;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.statusLine;
import static dev.zcproxy.inbound.netty.http.h1.HttpTestKit.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.ProxyTestKit.UpstreamChannel;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HTTP CONNECT through {@link ConnectCommand}: the 200, the hand-over to the relay, refusals. */
class HttpConnectTest {
  private static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
  private static final String CONNECT =
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
          + "Proxy-Authorization: "
          + basic("alice", "secret")
          + "\r\n\r\n";

  private final List<ByteBuf> sent = new ArrayList<>();
  private final EmbeddedProxy proxy = new EmbeddedProxy(false);

  @AfterEach
  void releaseUpstreams() {
    proxy.upstreams.forEach(UpstreamChannel::finishAndReleaseAll);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void connect_hands_the_connection_to_the_relay(Delivery delivery) {
    ClientChannel client = proxy.newClient();

    sent.addAll(delivery.send(client, ascii(CONNECT)));

    assertThat(text(client)).isEqualTo(ESTABLISHED);
    assertThat(proxy.gateRequests).containsExactly(Destination.ofHost("example.com", 443));
    assertThat(proxy.relayed).hasSize(1);
    assertThat(proxy.relayed.getFirst().protocol()).isEqualTo("http");
    assertThat(proxy.relayed.getFirst().upstream()).isSameAs(proxy.upstreams.getFirst());
    assertThat(client.pipeline().names())
        .doesNotContainAnyElementsOf(ProxyTestKit.HANDSHAKE_HANDLERS);
    assertThat(proxy.handshakes("http")).isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void bytes_behind_the_connect_go_upstream_first() {
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, ascii(CONNECT + "\u0016\u0003\u0001hello")));

    assertThat(text(client)).isEqualTo(ESTABLISHED);
    assertThat(text(proxy.upstreams.getFirst())).isEqualTo("\u0016\u0003\u0001hello");
    assertClean(client, sent);
  }

  @Test
  void bytes_that_arrive_while_connecting_go_upstream_first() {
    proxy.deferGate = true;
    ClientChannel client = proxy.newClient();
    sent.addAll(Delivery.BYTE_BY_BYTE.send(client, ascii(CONNECT + "early")));
    assertThat(text(client)).isEmpty();

    proxy.completeGate();

    assertThat(text(client)).isEqualTo(ESTABLISHED);
    assertThat(text(proxy.upstreams.getFirst())).isEqualTo("early");
    assertClean(client, sent);
  }

  @Test
  void connect_to_an_ipv6_literal() {
    ClientChannel client = proxy.newClient();

    sent.addAll(
        Delivery.WHOLE.send(
            client, ascii(CONNECT.replace("example.com:443", "[2001:db8::5]:8443"))));

    assertThat(text(client)).isEqualTo(ESTABLISHED);
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(InetAddress.ofLiteral("2001:db8::5"), 8443));
    assertClean(client, sent);
  }

  @Test
  void a_connect_after_forwarded_requests_on_the_same_connection() {
    ClientChannel client = proxy.newClient();
    sent.addAll(
        Delivery.WHOLE.send(
            client,
            ascii(
                "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: "
                    + basic("alice", "secret")
                    + "\r\n\r\n")));
    text(proxy.upstreams.getFirst());
    HttpTestKit.respond(proxy.upstreams.getFirst(), "HTTP/1.1 204 No Content\r\n\r\n");
    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 204 No Content");

    sent.addAll(Delivery.WHOLE.send(client, ascii(CONNECT)));

    assertThat(text(client)).isEqualTo(ESTABLISHED);
    assertThat(proxy.relayed).hasSize(1);
    assertThat(client.pipeline().names())
        .doesNotContainAnyElementsOf(ProxyTestKit.HANDSHAKE_HANDLERS);
    assertClean(client, sent);
  }

  @Test
  void a_port_the_policy_refuses_gets_403_naming_the_rule_like_a_forwarded_request() {
    proxy.gateRefusal = ProxyRefusal.Kind.NOT_ALLOWED;
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, ascii(CONNECT)));

    String answer = text(client);
    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 403 Forbidden");
    assertThat(answer).endsWith("\r\n\r\nfake gate says NOT_ALLOWED\n");
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.relayed).isEmpty();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected", "protocol", "http", "reason", "not_allowed"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_refused_connection_gets_502() {
    proxy.connectRefusal = ProxyRefusal.Kind.CONNECTION_REFUSED;
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, ascii(CONNECT)));

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 502 Bad Gateway");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void an_unauthenticated_connect_gets_407_and_no_tunnel() {
    ClientChannel client = proxy.newClient();

    sent.addAll(
        Delivery.WHOLE.send(
            client, ascii("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")));

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 407 Proxy Authentication Required");
    assertThat(proxy.gateRequests).isEmpty();
    assertThat(proxy.relayed).isEmpty();
    assertClean(client, sent);
  }

  @Test
  void a_connect_that_outlives_the_handshake_timeout_gets_504() {
    proxy.deferGate = true;
    ClientChannel client = proxy.newClient();
    sent.addAll(Delivery.WHOLE.send(client, ascii(CONNECT)));

    ProxyTestKit.passHandshakeTimeout(client);
    proxy.completeGate();

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 504 Gateway Timeout");
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.relayed).isEmpty();
    assertClean(client, sent);
  }
}
