package dev.zcproxy.inbound.netty.detect;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.ProxyTestKit.hex;
import static dev.zcproxy.inbound.netty.ProxyTestKit.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.http.h1.HttpFrontEnd;
import dev.zcproxy.inbound.netty.http.h2.Http2FrontEnd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProtocolDetectorTest {
  private final List<ByteBuf> sent = new ArrayList<>();

  @ParameterizedTest
  @ValueSource(strings = {"\u0016\u0003\u0001", "get / HTTP/1.1\r\n", "\u0000", "SSH-2.0-x\r\n"})
  void anything_but_socks_and_http_is_closed_without_an_answer(String firstBytes) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, firstBytes.getBytes(StandardCharsets.ISO_8859_1)));

    assertThat(written(client)).isEmpty();
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "unknown",
                "reason",
                "unknown_protocol"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"GET", "POST", "PUT", "PATCH", "CONNECT", "HEAD", "DELETE", "OPTIONS", "TRACE"})
  void an_http_method_installs_the_http_pipeline(String method) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, (method + " ").getBytes(StandardCharsets.US_ASCII)));

    assertThat(client.isOpen()).isTrue();
    assertThat(client.pipeline().names())
        .startsWith(HttpFrontEnd.REQUEST_DECODER, PipelineNames.HANDSHAKE_TIMEOUT)
        .contains(HttpFrontEnd.HANDLER)
        .doesNotContain(PipelineNames.PROTOCOL_DETECTOR);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "http")).isEqualTo(1);
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void the_http2_preface_installs_the_http2_pipeline(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    sent.addAll(delivery.send(client, Http2PrefaceDetector.PREFACE));
    // an empty SETTINGS frame, as a client sends right behind the preface
    sent.addAll(delivery.send(client, hex("000000 04 00 00000000")));

    assertThat(client.isOpen()).isTrue();
    assertThat(client.pipeline().names())
        .startsWith(Http2FrontEnd.FRAME_CODEC, Http2FrontEnd.MULTIPLEX)
        .contains(Http2FrontEnd.SESSION)
        .doesNotContain(
            PipelineNames.PROTOCOL_DETECTOR,
            Http2PrefaceDetector.NAME,
            PipelineNames.HANDSHAKE_TIMEOUT,
            HttpFrontEnd.HANDLER);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "h2")).isEqualTo(1);
    assertThat(written(client)).as("the server's SETTINGS and the ack").isNotEmpty();
    assertClean(client, sent);
  }

  @ParameterizedTest
  @CsvSource({
    "POST, WHOLE",
    "POST, BYTE_BY_BYTE",
    "PUT, WHOLE",
    "PUT, BYTE_BY_BYTE",
    "PATCH, WHOLE",
    "PATCH, BYTE_BY_BYTE",
    "PRI /, BYTE_BY_BYTE"
  })
  void a_method_starting_with_p_is_still_http1(String method, Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    sent.addAll(delivery.send(client, (method + " ").getBytes(StandardCharsets.US_ASCII)));

    assertThat(client.isOpen()).isTrue();
    assertThat(client.pipeline().names())
        .startsWith(HttpFrontEnd.REQUEST_DECODER, PipelineNames.HANDSHAKE_TIMEOUT)
        .contains(HttpFrontEnd.HANDLER)
        .doesNotContain(PipelineNames.PROTOCOL_DETECTOR, Http2PrefaceDetector.NAME);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "http")).isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_partial_preface_waits_for_more() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(client, "PRI * HTTP/2".getBytes(StandardCharsets.US_ASCII)));

    assertThat(client.pipeline().get(Http2PrefaceDetector.NAME)).isNotNull();
    assertThat(written(client)).isEmpty();
    client.close();
    assertClean(client, sent);
  }

  @Test
  void an_empty_read_is_skipped() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();
    ByteBuf empty = PooledByteBufAllocator.DEFAULT.buffer(0);
    sent.add(empty);
    client.writeInbound(empty);

    sent.addAll(Delivery.WHOLE.send(client, hex("05 01 00")));

    assertThat(written(client)).isEqualTo("0500");
    assertThat(client.pipeline().get(PipelineNames.PROTOCOL_DETECTOR)).isNull();
    assertThat(proxy.counter("zcproxy.connections", "protocol", "socks5")).isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_silent_client_is_closed_at_the_handshake_timeout() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "unknown",
                "reason",
                "handshake_timeout"))
        .isEqualTo(1);
    assertClean(client, sent);
  }
}
