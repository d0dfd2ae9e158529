package dev.zcproxy.inbound.netty.socks.v5.gssapi;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.ProxyTestKit.hex;
import static dev.zcproxy.inbound.netty.ProxyTestKit.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosTestKit;
import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RFC 1961 framing, alone and inside the SOCKS5 handshake, whole and byte by byte. */
class Socks5GssapiDecoderTest {
  private final List<ByteBuf> sent = new ArrayList<>();
  private EmbeddedChannel channel;

  private EmbeddedChannel decoder(int expectedType) {
    channel = new EmbeddedChannel(new Socks5GssapiDecoder(expectedType, 4096));
    return channel;
  }

  @AfterEach
  void clean() {
    if (channel != null) {
      assertClean(channel, sent);
    }
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void decodes_one_message_and_keeps_what_follows_for_the_next_phase(Delivery delivery) {
    EmbeddedChannel decoder = decoder(Socks5GssapiMessage.AUTHENTICATION);
    sent.addAll(delivery.send(decoder, hex("01 01 0003 aabbcc 01 02 0001")));

    assertThat((Object) decoder.readInbound())
        .isEqualTo(new Socks5GssapiMessage(Socks5GssapiMessage.AUTHENTICATION, hex("aabbcc")));
    assertThat((Object) decoder.readInbound()).isNull();
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void decodes_a_protection_message_and_the_abort(Delivery delivery) {
    EmbeddedChannel decoder = decoder(Socks5GssapiMessage.PROTECTION);
    sent.addAll(delivery.send(decoder, hex("01 02 0002 0102")));
    assertThat((Object) decoder.readInbound())
        .isEqualTo(new Socks5GssapiMessage(Socks5GssapiMessage.PROTECTION, hex("0102")));
    decoder.finishAndReleaseAll();

    EmbeddedChannel aborting = decoder(Socks5GssapiMessage.PROTECTION);
    sent.addAll(delivery.send(aborting, hex("01 ff 01 01 0000")));
    assertThat((Object) aborting.readInbound()).isEqualTo(Socks5GssapiMessage.abort());
    assertThat((Object) aborting.readInbound()).isNull(); // nothing is read after an abort
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void refuses_a_wrong_version_type_or_length_as_soon_as_the_header_shows_it(Delivery delivery) {
    for (String frame : List.of("02 01 0001 00", "01 02 0001 00", "01 01 0000", "01 01 1001")) {
      EmbeddedChannel decoder = decoder(Socks5GssapiMessage.AUTHENTICATION);
      sent.addAll(delivery.send(decoder, hex(frame)));
      assertThat((Object) decoder.readInbound()).as(frame).isInstanceOf(MalformedRequest.class);
      assertThat((Object) decoder.readInbound()).isNull();
      decoder.finishAndReleaseAll();
    }
    channel = null;
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void waits_for_a_truncated_token(Delivery delivery) {
    EmbeddedChannel decoder = decoder(Socks5GssapiMessage.AUTHENTICATION);
    sent.addAll(delivery.send(decoder, hex("01 01 0004 aabbcc")));
    assertThat((Object) decoder.readInbound()).isNull();
    decoder.finishAndReleaseAll();
  }

  private static EmbeddedProxy kerberizedProxy() {
    return new EmbeddedProxy(
        false, ProxyTestKit.settings().withKerberos(KerberosTestKit.kdc().acceptor()));
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_truncated_token_is_answered_with_the_abort_at_the_handshake_timeout(Delivery delivery) {
    EmbeddedProxy proxy = kerberizedProxy();
    ClientChannel client = proxy.newClient();
    channel = client;
    sent.addAll(delivery.send(client, hex("05 01 01  01 01 0100 6082")));
    assertThat(written(client)).isEqualTo("0501");

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(written(client)).isEqualTo("01ff");
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "socks5",
                "reason",
                "handshake_timeout"))
        .isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_garbage_token_or_frame_is_refused_with_the_abort(Delivery delivery) {
    EmbeddedProxy proxy = kerberizedProxy();
    ClientChannel garbage = proxy.newClient();
    sent.addAll(delivery.send(garbage, hex("05 01 01  01 01 0004 60010203")));
    assertThat(written(garbage)).isEqualTo("050101ff");
    assertThat(garbage.isOpen()).isFalse();
    assertClean(garbage, sent);

    ClientChannel wrongType = proxy.newClient();
    channel = wrongType;
    sent.addAll(delivery.send(wrongType, hex("05 01 01  01 03 0001 00")));
    assertThat(written(wrongType)).isEqualTo("050101ff");
    assertThat(wrongType.isOpen()).isFalse();
    assertThat(proxy.counter("zcproxy.auth.failures", "protocol", "socks5", "reason", "bad_token"))
        .isEqualTo(1);
    assertThat(proxy.counter("zcproxy.auth.failures", "protocol", "socks5", "reason", "malformed"))
        .isEqualTo(1);
  }
}
