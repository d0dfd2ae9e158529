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
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slow heads (slowloris), idle keep-alive connections and silent origins, on a moved clock. */
class HttpTimeoutTest {
  private static final String GET =
      "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: "
          + basic("alice", "secret")
          + "\r\n\r\n";

  private final List<ByteBuf> sent = new ArrayList<>();
  private final EmbeddedProxy proxy = new EmbeddedProxy(false);

  @AfterEach
  void releaseUpstreams() {
    proxy.upstreams.forEach(UpstreamChannel::finishAndReleaseAll);
  }

  /** A client that got one answer and keeps its connection. */
  private ClientChannel afterOneExchange() {
    ClientChannel client = proxy.newClient();
    sent.addAll(Delivery.WHOLE.send(client, ascii(GET)));
    text(proxy.upstreams.getFirst());
    HttpTestKit.respond(proxy.upstreams.getFirst(), "HTTP/1.1 204 No Content\r\n\r\n");
    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 204 No Content");
    return client;
  }

  @Test
  void a_first_head_trickled_too_slowly_gets_408_at_the_handshake_timeout() {
    ClientChannel client = proxy.newClient();
    sent.addAll(
        Delivery.BYTE_BY_BYTE.send(client, ascii("GET http://example.com/ HTTP/1.1\r\nHo")));

    ProxyTestKit.passHandshakeTimeout(client);

    String answer = text(client);
    assertThat(statusLine(answer)).isEqualTo("HTTP/1.1 408 Request Timeout");
    assertThat(headLines(answer)).contains("connection: close");
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected", "protocol", "http", "reason", "handshake_timeout"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void an_idle_keep_alive_connection_is_closed_without_a_word() {
    ClientChannel client = afterOneExchange();

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(text(client)).isEmpty();
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void a_later_head_trickled_too_slowly_gets_408() {
    ClientChannel client = afterOneExchange();
    sent.addAll(Delivery.BYTE_BY_BYTE.send(client, ascii("GET http://exam")));

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 408 Request Timeout");
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void a_later_head_in_time_is_served() {
    ClientChannel client = afterOneExchange();
    client.advanceTimeBy(ProxyTestKit.HANDSHAKE_TIMEOUT.toNanos() / 2, TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();

    sent.addAll(Delivery.WHOLE.send(client, ascii(GET)));
    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(client.isOpen()).as("the timer stopped when the head arrived").isTrue();
    assertThat(statusLine(text(proxy.upstreams.getFirst()))).isEqualTo("GET / HTTP/1.1");
    assertClean(client, sent);
  }

  @Test
  void an_origin_that_never_answers_gets_504_at_the_idle_timeout() {
    ClientChannel client = proxy.newClient();
    sent.addAll(Delivery.WHOLE.send(client, ascii(GET)));
    text(proxy.upstreams.getFirst());

    client.advanceTimeBy(proxy.settings.timeouts().idle().toNanos(), TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();

    assertThat(statusLine(text(client))).isEqualTo("HTTP/1.1 504 Gateway Timeout");
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.upstreams.getFirst().isOpen()).isFalse();
    assertClean(client, sent);
  }
}
