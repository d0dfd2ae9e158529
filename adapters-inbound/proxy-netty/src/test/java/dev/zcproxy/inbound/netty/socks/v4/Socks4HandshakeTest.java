package dev.zcproxy.inbound.netty.socks.v4;

import static dev.zcproxy.inbound.netty.ProxyTestKit.assertClean;
import static dev.zcproxy.inbound.netty.ProxyTestKit.concat;
import static dev.zcproxy.inbound.netty.ProxyTestKit.hex;
import static dev.zcproxy.inbound.netty.ProxyTestKit.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import dev.zcproxy.inbound.netty.ProxyTestKit.ClientChannel;
import dev.zcproxy.inbound.netty.ProxyTestKit.Delivery;
import dev.zcproxy.inbound.netty.ProxyTestKit.EmbeddedProxy;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** SOCKS4 and SOCKS4a on embedded channels: every message whole and byte by byte. */
class Socks4HandshakeTest {
  /** Granted, with the fake upstream's local address 198.51.100.7:50123. */
  private static final String GRANTED = "005ac3cbc6336407";

  private static final String REJECTED = "005b000000000000";

  private final List<ByteBuf> sent = new ArrayList<>();

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] socks4a(String userId, String domain, int port) {
    return concat(
        new byte[] {4, 1, (byte) (port >> 8), (byte) port, 0, 0, 0, 1},
        ascii(userId),
        new byte[] {0},
        ascii(domain),
        new byte[] {0});
  }

  private void send(Delivery delivery, ClientChannel client, byte[] bytes) {
    sent.addAll(delivery.send(client, bytes));
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void connect_to_an_ipv4_address(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(delivery, client, concat(hex("04 01 0050 7f000001"), ascii("alice"), new byte[] {0}));

    assertThat(written(client)).isEqualTo(GRANTED);
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(InetAddress.ofLiteral("127.0.0.1"), 80));
    assertThat(proxy.relayed)
        .singleElement()
        .extracting(ProxyTestKit.RelayStart::protocol)
        .isEqualTo("socks4");
    assertThat(client.pipeline().names())
        .doesNotContainAnyElementsOf(ProxyTestKit.HANDSHAKE_HANDLERS);
    // The user id is a claim, not a credential.
    assertThat(proxy.authentication.calls.getFirst().credentials()).isEqualTo(Credentials.NONE);
    assertThat(proxy.handshakes("socks4")).isEqualTo(1);
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void socks4a_connect_to_a_name(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(delivery, client, socks4a("", "Example.com", 443));

    assertThat(written(client)).isEqualTo(GRANTED);
    assertThat(proxy.gateRequests).containsExactly(Destination.ofHost("example.com", 443));
    assertClean(client, sent);
  }

  @Test
  void socks4a_name_that_is_an_ip_literal() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(Delivery.WHOLE, client, socks4a("bob", "10.1.2.3", 22));

    assertThat(written(client)).isEqualTo(GRANTED);
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(InetAddress.ofLiteral("10.1.2.3"), 22));
    assertClean(client, sent);
  }

  @Test
  void socks4a_to_an_ipv6_only_name_connects_and_replies_without_the_address() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    proxy.resolved = InetAddress.ofLiteral("2001:db8::5");
    proxy.upstreamLocal = new InetSocketAddress("2001:db8::7", 40001);
    ClientChannel client = proxy.newClient();

    send(Delivery.WHOLE, client, socks4a("", "v6only.example", 80));

    assertThat(written(client)).isEqualTo("005a9c4100000000");
    assertThat(proxy.relayed).hasSize(1);
    assertClean(client, sent);
  }

  @Test
  void a_user_id_of_255_bytes_is_accepted() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(
        Delivery.WHOLE,
        client,
        concat(hex("04 01 0050 7f000001"), ascii("u".repeat(255)), new byte[] {0}));

    assertThat(written(client)).isEqualTo(GRANTED);
    assertClean(client, sent);
  }

  static List<Arguments> malformedRequests() {
    List<Arguments> cases = new ArrayList<>();
    for (Delivery delivery : Delivery.values()) {
      cases.add(
          Arguments.of(
              delivery, "unknown command", concat(hex("04 03 0050 7f000001"), new byte[] {0})));
      cases.add(
          Arguments.of(
              delivery,
              "user id without NUL past 255 bytes",
              concat(hex("04 01 0050 7f000001"), ascii("u".repeat(256)))));
      cases.add(Arguments.of(delivery, "empty 4a domain", socks4a("", "", 80)));
      cases.add(Arguments.of(delivery, "invalid 4a domain", socks4a("", "no spaces.example", 80)));
      cases.add(
          Arguments.of(
              delivery,
              "4a domain without NUL past 255 bytes",
              concat(hex("04 01 0050 00000001 00"), ascii("d".repeat(256)))));
    }
    return cases;
  }

  @ParameterizedTest(name = "{1}, {0}")
  @MethodSource("malformedRequests")
  void a_malformed_request_is_rejected_at_once(Delivery delivery, String what, byte[] request) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(delivery, client, request);

    assertThat(written(client)).isEqualTo(REJECTED);
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.gateRequests).isEmpty();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "socks4",
                "reason",
                "malformed_request"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void without_anonymous_access_socks4_is_rejected(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();

    send(delivery, client, concat(hex("04 01 0050 7f000001"), ascii("alice"), new byte[] {0}));

    assertThat(written(client)).isEqualTo(REJECTED);
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.auth.failures", "protocol", "socks4", "reason", "anonymous_not_allowed"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_refused_destination_is_rejected() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    proxy.gateRefusal = ProxyRefusal.Kind.NOT_ALLOWED;
    ClientChannel client = proxy.newClient();

    send(Delivery.WHOLE, client, socks4a("", "example.com", 443));

    assertThat(written(client)).isEqualTo(REJECTED);
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected", "protocol", "socks4", "reason", "not_allowed"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_failed_connect_is_rejected() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    proxy.connectRefusal = ProxyRefusal.Kind.CONNECTION_REFUSED;
    ClientChannel client = proxy.newClient();

    send(Delivery.WHOLE, client, socks4a("", "example.com", 443));

    assertThat(written(client)).isEqualTo(REJECTED);
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_truncated_request_is_rejected_at_the_handshake_timeout(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();
    send(delivery, client, concat(hex("04 01 0050 00000001 00"), ascii("example.c")));
    assertThat(written(client)).isEmpty();

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(written(client)).isEqualTo(REJECTED);
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @Test
  void early_data_behind_the_request_goes_upstream() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(
        Delivery.WHOLE,
        client,
        concat(socks4a("", "example.com", 80), ascii("GET / HTTP/1.0\r\n")));

    assertThat(written(client)).isEqualTo(GRANTED);
    assertThat(written(proxy.upstreams.getFirst()))
        .isEqualTo(java.util.HexFormat.of().formatHex(ascii("GET / HTTP/1.0\r\n")));
    assertClean(client, sent);
    assertClean(proxy.upstreams.getFirst(), List.of());
  }
}
