package dev.zcproxy.inbound.netty.tls;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.ProxyTestKit.hex;
import static dev.zcproxy.inbound.netty.ProxyTestKit.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.http.h1.HttpFrontEnd;
import dev.zcproxy.inbound.netty.relay.RelaySelector;
import dev.zcproxy.inbound.netty.socks.v5.Socks5FrontEnd;
import dev.zcproxy.inbound.netty.tls.TlsTestKit.TlsClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTPS-to-proxy on the shared port: the TLS layer, and the detector behind it. */
class TlsFrontEndTest {
  private final List<ByteBuf> sent = new ArrayList<>();
  private final TlsClient client = new TlsClient();

  @AfterEach
  void closeClient() {
    client.finishAndReleaseAll();
  }

  private static EmbeddedProxy proxyWithTls(boolean anonymous) {
    return new EmbeddedProxy(anonymous, ProxyTestKit.settings().withTls(TlsTestKit.identity()));
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void socks5_inside_tls_is_detected_on_the_decrypted_bytes(Delivery delivery) {
    EmbeddedProxy proxy = proxyWithTls(true);
    ClientChannel channel = proxy.newClient();

    client.exchange(channel, delivery, sent);

    assertThat(client.handshakeDone()).isTrue();
    assertThat(channel.pipeline().names())
        .startsWith(
            TlsFrontEnd.SSL,
            PipelineNames.PLAINTEXT_BOUNDARY,
            PipelineNames.HANDSHAKE_TIMEOUT,
            PipelineNames.PROTOCOL_DETECTOR)
        .doesNotContain(TlsFrontEnd.DETECTOR);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "tls")).isEqualTo(1);

    client.send(hex("05 01 00"));
    client.exchange(channel, delivery, sent);

    assertThat(client.receivedHex()).isEqualTo("0500");
    assertThat(channel.pipeline().names())
        .startsWith(TlsFrontEnd.SSL, PipelineNames.PLAINTEXT_BOUNDARY)
        .contains(Socks5FrontEnd.HANDLER)
        .doesNotContain(PipelineNames.PROTOCOL_DETECTOR);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "socks5")).isEqualTo(1);
    assertClean(channel, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void http_inside_tls_gets_its_answer_encrypted(Delivery delivery) {
    EmbeddedProxy proxy = proxyWithTls(false);
    ClientChannel channel = proxy.newClient();
    client.exchange(channel, delivery, sent);

    client.send(
        "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    client.exchange(channel, delivery, sent);

    assertThat(new String(client.received(), StandardCharsets.US_ASCII))
        .startsWith("HTTP/1.1 407 ");
    assertThat(proxy.counter("zcproxy.connections", "protocol", "http")).isEqualTo(1);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "tls")).isEqualTo(1);
    assertClean(channel, sent);
  }

  @Test
  void the_http_decoder_sits_behind_the_tls_layer() {
    EmbeddedProxy proxy = proxyWithTls(true);
    ClientChannel channel = proxy.newClient();
    client.exchange(channel, Delivery.WHOLE, sent);

    client.send("GET ".getBytes(StandardCharsets.US_ASCII));
    client.exchange(channel, Delivery.WHOLE, sent);

    assertThat(channel.pipeline().names())
        .startsWith(
            TlsFrontEnd.SSL,
            PipelineNames.PLAINTEXT_BOUNDARY,
            HttpFrontEnd.REQUEST_DECODER,
            PipelineNames.HANDSHAKE_TIMEOUT)
        .contains(HttpFrontEnd.HANDLER);
    assertClean(channel, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_plain_client_is_served_as_before_when_tls_is_on(Delivery delivery) {
    EmbeddedProxy proxy = proxyWithTls(true);
    ClientChannel channel = proxy.newClient();

    sent.addAll(delivery.send(channel, hex("05 01 00")));

    assertThat(written(channel)).isEqualTo("0500");
    assertThat(channel.pipeline().names())
        .doesNotContain(TlsFrontEnd.DETECTOR, TlsFrontEnd.SSL, PipelineNames.PROTOCOL_DETECTOR)
        .contains(Socks5FrontEnd.HANDLER);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "tls")).isZero();
    assertClean(channel, sent);
  }

  @Test
  void without_tls_configured_a_tls_client_is_closed_without_an_answer() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel channel = proxy.newClient();

    client.exchange(channel, Delivery.WHOLE, sent);

    assertThat(channel.isOpen()).isFalse();
    assertThat(written(channel)).isEmpty();
    assertThat(client.handshakeDone()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "unknown",
                "reason",
                "unknown_protocol"))
        .isEqualTo(1);
    assertClean(channel, sent);
  }

  @ParameterizedTest
  @ValueSource(strings = {"16 03 01 00 05 01 02 03 04 05", "16 47 45 54 20 2f 20 48 54 54 50"})
  void a_broken_handshake_is_closed_quietly_and_counted(String bytes) {
    EmbeddedProxy proxy = proxyWithTls(true);
    ClientChannel channel = proxy.newClient();

    sent.addAll(Delivery.WHOLE.send(channel, hex(bytes)));
    written(channel); // an alert, perhaps

    assertThat(channel.isOpen()).isFalse();
    assertThat(
            proxy.counter("zcproxy.connections.rejected", "protocol", "tls", "reason", "handshake"))
        .isEqualTo(1);
    assertThat(proxy.counter("zcproxy.connections.rejected", "protocol", "unknown")).isZero();
    assertClean(channel, sent);
  }

  @Test
  void the_handshake_timeout_covers_the_tls_handshake() {
    EmbeddedProxy proxy = proxyWithTls(true);
    ClientChannel channel = proxy.newClient();
    client.runPendingTasks();
    Object clientHello = client.readOutbound(); // the first flight only: no answer follows
    channel.writeInbound(clientHello);
    written(channel); // the server's first flight, never delivered

    ProxyTestKit.passHandshakeTimeout(channel);

    assertThat(channel.isOpen()).isFalse();
    written(channel); // close_notify
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "tls",
                "reason",
                HandshakeGuard.TIMEOUT))
        .isEqualTo(1);
    assertThat(
            proxy.counter("zcproxy.connections.rejected", "protocol", "tls", "reason", "handshake"))
        .as("the timeout is counted once, as a timeout")
        .isZero();
    assertClean(channel, sent);
  }

  @Test
  void tls_records_do_not_count_against_the_handshake_byte_cap() {
    EmbeddedProxy proxy =
        new EmbeddedProxy(true, ProxyTestKit.settings(64, 0, 0, 0).withTls(TlsTestKit.identity()));
    ClientChannel channel = proxy.newClient();

    client.exchange(channel, Delivery.WHOLE, sent); // hundreds of bytes of TLS records

    client.send(hex("05 01 00"));
    client.exchange(channel, Delivery.WHOLE, sent);
    assertThat(client.receivedHex()).isEqualTo("0500");
    assertThat(proxy.counter("zcproxy.connections.rejected", "protocol", "tls")).isZero();
    assertClean(channel, sent);
  }

  @Test
  void decrypted_bytes_still_count_against_the_handshake_byte_cap() {
    EmbeddedProxy proxy =
        new EmbeddedProxy(true, ProxyTestKit.settings(64, 0, 0, 0).withTls(TlsTestKit.identity()));
    ClientChannel channel = proxy.newClient();
    client.exchange(channel, Delivery.WHOLE, sent);

    byte[] greeting = new byte[2 + 127];
    greeting[0] = 5;
    greeting[1] = 127;
    client.send(greeting);
    client.exchange(channel, Delivery.WHOLE, sent);

    assertThat(channel.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "tls", // the first read was too large for the detector to see it
                "reason",
                HandshakeGuard.TOO_LARGE))
        .isEqualTo(1);
    assertClean(channel, sent);
  }

  @Test
  void a_socket_relay_is_never_offered_a_tunnel_with_tls_on_either_side() {
    EmbeddedChannel plain = new EmbeddedChannel();
    EmbeddedChannel tls = new EmbeddedChannel();
    tls.pipeline()
        .addLast(
            TlsFrontEnd.SSL,
            TlsFrontEnd.serverContext(TlsTestKit.identity().key(), TlsTestKit.identity().chain())
                .newHandler(tls.alloc()));

    assertThat(RelaySelector.mayOffer(plain, new EmbeddedChannel())).isTrue();
    assertThat(RelaySelector.mayOffer(tls, plain)).isFalse();
    assertThat(RelaySelector.mayOffer(plain, tls)).isFalse();
    tls.finishAndReleaseAll();
  }
}
