package dev.zcproxy.inbound.netty.socks.v5;

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
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The SOCKS5 handshake on embedded channels: every message whole and byte by byte. */
class Socks5HandshakeTest {
  private static final byte[] GREETING_PASSWORD = hex("05 01 02");
  private static final byte[] GREETING_ANONYMOUS = hex("05 01 00");
  private static final byte[] LOGIN_ALICE = login("alice", "secret");
  private static final byte[] CONNECT_LOOPBACK_80 = hex("05 01 00 01 7f000001 0050");
  private static final String SELECT_PASSWORD = "0502";
  private static final String SELECT_NONE = "0500";
  private static final String NO_ACCEPTABLE_METHOD = "05ff";
  private static final String LOGIN_OK = "0100";
  private static final String LOGIN_FAILED = "0101";

  /** Success with BND = 198.51.100.7:50123, the fake upstream's local address. */
  private static final String CONNECTED = "05000001c6336407c3cb";

  private final List<ByteBuf> sent = new ArrayList<>();

  private static byte[] login(String user, String password) {
    byte[] u = user.getBytes(StandardCharsets.UTF_8);
    byte[] p = password.getBytes(StandardCharsets.UTF_8);
    return concat(new byte[] {1, (byte) u.length}, u, new byte[] {(byte) p.length}, p);
  }

  private static byte[] connectDomain(String name, int port) {
    byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
    return concat(
        hex("05 01 00 03"),
        new byte[] {(byte) bytes.length},
        bytes,
        new byte[] {(byte) (port >> 8), (byte) port});
  }

  private static String failure(int code) {
    return "05" + HexFormat.of().toHexDigits((byte) code) + "000100000000" + "0000";
  }

  private void send(Delivery delivery, ClientChannel client, byte[] bytes) {
    sent.addAll(delivery.send(client, bytes));
  }

  /** Greeting and login as alice, leaving the channel waiting for the request. */
  private ClientChannel loggedIn(EmbeddedProxy proxy, Delivery delivery) {
    ClientChannel client = proxy.newClient();
    send(delivery, client, GREETING_PASSWORD);
    assertThat(written(client)).isEqualTo(SELECT_PASSWORD);
    send(delivery, client, LOGIN_ALICE);
    assertThat(written(client)).isEqualTo(LOGIN_OK);
    return client;
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void connect_with_username_and_password(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = loggedIn(proxy, delivery);

    send(delivery, client, CONNECT_LOOPBACK_80);

    assertThat(written(client)).isEqualTo(CONNECTED);
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(InetAddress.ofLiteral("127.0.0.1"), 80));
    assertThat(proxy.relayed).hasSize(1);
    assertThat(proxy.relayed.getFirst().protocol()).isEqualTo("socks5");
    assertThat(proxy.relayed.getFirst().upstream()).isSameAs(proxy.upstreams.getFirst());
    assertThat(client.pipeline().names())
        .doesNotContainAnyElementsOf(ProxyTestKit.HANDSHAKE_HANDLERS);
    assertThat(proxy.authentication.calls.getFirst().credentials())
        .isEqualTo(new Credentials.UsernamePassword("alice", "secret"));
    assertThat(proxy.authentication.calls.getFirst().source())
        .isEqualTo(ProxyTestKit.CLIENT_ADDRESS.getAddress());
    assertThat(proxy.handshakes("socks5")).isEqualTo(1);
    assertThat(proxy.counter("zcproxy.connections", "protocol", "socks5")).isEqualTo(1);
    assertClean(client, sent);
    proxy.upstreams.getFirst().finishAndReleaseAll();
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void anonymous_connect_to_a_domain(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(delivery, client, GREETING_ANONYMOUS);
    assertThat(written(client)).isEqualTo(SELECT_NONE);
    send(delivery, client, connectDomain("Example.COM", 443));

    assertThat(written(client)).isEqualTo(CONNECTED);
    assertThat(proxy.gateRequests).containsExactly(Destination.ofHost("example.com", 443));
    assertThat(proxy.relayed).hasSize(1);
    assertClean(client, sent);
  }

  @Test
  void a_domain_that_is_an_ip_literal_is_treated_as_the_address() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, concat(GREETING_ANONYMOUS, connectDomain("10.1.2.3", 8080)));

    assertThat(written(client)).isEqualTo(SELECT_NONE + CONNECTED);
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(InetAddress.ofLiteral("10.1.2.3"), 8080));
    assertClean(client, sent);
  }

  @Test
  void the_reply_carries_an_ipv6_bound_address() {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    proxy.upstreamLocal = new InetSocketAddress("2001:db8::7", 443);
    ClientChannel client = proxy.newClient();
    send(
        Delivery.WHOLE,
        client,
        concat(GREETING_ANONYMOUS, hex("05 01 00 04 20010db8000000000000000000000001 01bb")));

    assertThat(written(client))
        .isEqualTo(SELECT_NONE + "05000004" + "20010db8000000000000000000000007" + "01bb");
    assertThat(proxy.gateRequests)
        .containsExactly(Destination.ofAddress(InetAddress.ofLiteral("2001:db8::1"), 443));
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void password_is_chosen_whenever_the_client_offers_it(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(delivery, client, hex("05 03 00 01 02"));

    assertThat(written(client)).isEqualTo(SELECT_PASSWORD);
    assertThat(client.isOpen()).isTrue();
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void no_authentication_is_refused_when_anonymous_access_is_off(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();

    send(delivery, client, GREETING_ANONYMOUS);

    assertThat(written(client)).isEqualTo(NO_ACCEPTABLE_METHOD);
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.counter("zcproxy.auth.failures", "reason", "no_acceptable_method"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void no_methods_at_all_is_refused(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(true);
    ClientChannel client = proxy.newClient();

    send(delivery, client, hex("05 00"));

    assertThat(written(client)).isEqualTo(NO_ACCEPTABLE_METHOD);
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_wrong_password_fails_the_login(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();
    send(delivery, client, GREETING_PASSWORD);
    assertThat(written(client)).isEqualTo(SELECT_PASSWORD);

    send(delivery, client, login("alice", "wrong"));

    assertThat(written(client)).isEqualTo(LOGIN_FAILED);
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter("zcproxy.auth.failures", "protocol", "socks5", "reason", "bad_password"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_throttled_login_fails() {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    proxy.authentication.throttled = true;
    ClientChannel client = proxy.newClient();

    send(Delivery.WHOLE, client, concat(GREETING_PASSWORD, LOGIN_ALICE));

    assertThat(written(client)).isEqualTo(SELECT_PASSWORD + LOGIN_FAILED);
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.counter("zcproxy.auth.failures", "reason", "throttled")).isEqualTo(1);
    assertClean(client, sent);
  }

  static List<Arguments> malformedLogins() {
    List<Arguments> cases = new ArrayList<>();
    for (Delivery delivery : Delivery.values()) {
      cases.add(
          Arguments.of(
              delivery, "wrong subnegotiation version", hex("05 05 616c696365 06 736563726574")));
      cases.add(Arguments.of(delivery, "empty user name", hex("01 00 06 736563726574")));
      cases.add(Arguments.of(delivery, "empty password", hex("01 05 616c696365 00")));
    }
    return cases;
  }

  @ParameterizedTest(name = "{1}, {0}")
  @MethodSource("malformedLogins")
  void a_malformed_login_fails(Delivery delivery, String what, byte[] login) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();
    send(delivery, client, GREETING_PASSWORD);
    assertThat(written(client)).isEqualTo(SELECT_PASSWORD);

    send(delivery, client, login);

    assertThat(written(client)).isEqualTo(LOGIN_FAILED);
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.authentication.calls).isEmpty();
    assertClean(client, sent);
  }

  static List<Arguments> malformedRequests() {
    String longName =
        "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63);
    List<Arguments> cases = new ArrayList<>();
    for (Delivery delivery : Delivery.values()) {
      cases.add(Arguments.of(delivery, "wrong version", hex("04 01 00 01 7f000001 0050"), 0x01));
      cases.add(
          Arguments.of(delivery, "unknown address type", hex("05 01 00 02 7f000001 0050"), 0x08));
      cases.add(Arguments.of(delivery, "unknown command", hex("05 09 00 01 7f000001 0050"), 0x07));
      cases.add(Arguments.of(delivery, "empty domain", hex("05 01 00 03 00 0050"), 0x01));
      cases.add(Arguments.of(delivery, "invalid domain", connectDomain("bad_name!", 80), 0x01));
      cases.add(Arguments.of(delivery, "255-byte domain", connectDomain(longName, 80), 0x01));
    }
    return cases;
  }

  @ParameterizedTest(name = "{1}, {0}")
  @MethodSource("malformedRequests")
  void a_malformed_request_is_refused(Delivery delivery, String what, byte[] request, int code) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = loggedIn(proxy, delivery);

    send(delivery, client, request);

    assertThat(written(client)).isEqualTo(failure(code));
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.gateRequests).isEmpty();
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void the_longest_valid_domain_is_accepted(Delivery delivery) {
    String name =
        "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
    assertThat(name).hasSize(253);
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = loggedIn(proxy, delivery);

    send(delivery, client, connectDomain(name + ".", 80)); // 254 bytes with the root dot

    assertThat(written(client)).isEqualTo(CONNECTED);
    assertThat(proxy.gateRequests).containsExactly(Destination.ofHost(name, 80));
    assertClean(client, sent);
  }

  static List<Arguments> refusals() {
    return List.of(
        Arguments.of(ProxyRefusal.Kind.NOT_ALLOWED, 0x02),
        Arguments.of(ProxyRefusal.Kind.NETWORK_UNREACHABLE, 0x03),
        Arguments.of(ProxyRefusal.Kind.HOST_UNREACHABLE, 0x04),
        Arguments.of(ProxyRefusal.Kind.TIMEOUT, 0x04),
        Arguments.of(ProxyRefusal.Kind.CONNECTION_REFUSED, 0x05),
        Arguments.of(ProxyRefusal.Kind.GENERAL_FAILURE, 0x01));
  }

  @ParameterizedTest(name = "gate: {0} -> {1}")
  @MethodSource("refusals")
  void a_gate_refusal_gets_its_reply_code(ProxyRefusal.Kind kind, int code) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    proxy.gateRefusal = kind;
    ClientChannel client = loggedIn(proxy, Delivery.WHOLE);

    send(Delivery.WHOLE, client, CONNECT_LOOPBACK_80);

    assertThat(written(client)).isEqualTo(failure(code));
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.counter("zcproxy.connections.rejected", "reason", ProxyRefusals.label(kind)))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @ParameterizedTest(name = "connector: {0} -> {1}")
  @MethodSource("refusals")
  void a_connect_failure_gets_its_reply_code(ProxyRefusal.Kind kind, int code) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    proxy.connectRefusal = kind;
    ClientChannel client = loggedIn(proxy, Delivery.WHOLE);

    send(Delivery.WHOLE, client, CONNECT_LOOPBACK_80);

    assertThat(written(client)).isEqualTo(failure(code));
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.relayed).isEmpty();
    assertClean(client, sent);
  }

  @Test
  void a_user_at_the_connection_limit_gets_general_failure() {
    EmbeddedProxy proxy = new EmbeddedProxy(false, ProxyTestKit.settings(4096, 0, 0, 1));
    ClientChannel first = loggedIn(proxy, Delivery.WHOLE);
    send(Delivery.WHOLE, first, CONNECT_LOOPBACK_80);
    assertThat(written(first)).isEqualTo(CONNECTED);

    ClientChannel second = loggedIn(proxy, Delivery.WHOLE);
    send(Delivery.WHOLE, second, CONNECT_LOOPBACK_80);

    assertThat(written(second)).isEqualTo(failure(0x01));
    assertThat(second.isOpen()).isFalse();
    assertThat(proxy.counter("zcproxy.connections.rejected", "reason", "user_limit")).isEqualTo(1);
    assertClean(second, sent);
    assertClean(first, sent);
  }

  @Test
  void a_pipelined_handshake_with_early_data_is_served_in_order() {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();

    send(
        Delivery.WHOLE,
        client,
        concat(GREETING_PASSWORD, LOGIN_ALICE, CONNECT_LOOPBACK_80, hex("16 03 01 00 05")));

    assertThat(written(client)).isEqualTo(SELECT_PASSWORD + LOGIN_OK + CONNECTED);
    assertThat(written(proxy.upstreams.getFirst())).isEqualTo("1603010005");
    assertClean(client, sent);
    assertClean(proxy.upstreams.getFirst(), List.of());
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void early_data_sent_while_connecting_goes_upstream_first(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    proxy.deferGate = true;
    ClientChannel client = loggedIn(proxy, delivery);
    send(delivery, client, CONNECT_LOOPBACK_80);
    assertThat(written(client)).isEmpty();

    send(delivery, client, hex("474554202f"));
    proxy.completeGate();

    assertThat(written(client)).isEqualTo(CONNECTED);
    assertThat(written(proxy.upstreams.getFirst())).isEqualTo("474554202f");
    assertClean(client, sent);
    assertClean(proxy.upstreams.getFirst(), List.of());
  }

  @Test
  void a_truncated_greeting_is_closed_at_the_handshake_timeout_without_a_reply() {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();
    send(Delivery.BYTE_BY_BYTE, client, hex("05 02 02"));
    assertThat(client.isOpen()).isTrue();

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(written(client)).isEmpty();
    assertThat(client.isOpen()).isFalse();
    assertThat(
            proxy.counter(
                "zcproxy.connections.rejected",
                "protocol",
                "socks5",
                "reason",
                "handshake_timeout"))
        .isEqualTo(1);
    assertClean(client, sent);
  }

  @Test
  void a_truncated_login_times_out_with_a_login_failure() {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = proxy.newClient();
    send(Delivery.WHOLE, client, GREETING_PASSWORD);
    send(Delivery.WHOLE, client, hex("01 05 616c"));
    assertThat(written(client)).isEqualTo(SELECT_PASSWORD);

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(written(client)).isEqualTo(LOGIN_FAILED);
    assertThat(client.isOpen()).isFalse();
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_domain_longer_than_what_arrives_times_out_with_general_failure(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    ClientChannel client = loggedIn(proxy, delivery);
    send(delivery, client, hex("05 01 00 03 ff 6578616d706c65")); // 255 announced, 7 sent
    assertThat(written(client)).isEmpty();

    ProxyTestKit.passHandshakeTimeout(client);

    assertThat(written(client)).isEqualTo(failure(0x01));
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.gateRequests).isEmpty();
    assertClean(client, sent);
  }

  @Test
  void a_handshake_still_connecting_at_the_timeout_is_refused_and_the_late_upstream_closed() {
    EmbeddedProxy proxy = new EmbeddedProxy(false);
    proxy.deferGate = true;
    ClientChannel client = loggedIn(proxy, Delivery.WHOLE);
    send(Delivery.WHOLE, client, CONNECT_LOOPBACK_80);

    ProxyTestKit.passHandshakeTimeout(client);
    proxy.completeGate();

    assertThat(written(client)).isEqualTo(failure(0x01));
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.relayed).isEmpty();
    assertThat(proxy.upstreams).isEmpty(); // the client was gone before the connect began
    assertClean(client, sent);
  }

  @ParameterizedTest
  @EnumSource(Delivery.class)
  void a_handshake_longer_than_the_byte_limit_is_refused(Delivery delivery) {
    EmbeddedProxy proxy = new EmbeddedProxy(false, ProxyTestKit.settings(64, 0, 0, 0));
    ClientChannel client = proxy.newClient();
    send(delivery, client, GREETING_PASSWORD);
    assertThat(written(client)).isEqualTo(SELECT_PASSWORD);

    send(delivery, client, login("a".repeat(100), "secret"));

    assertThat(written(client)).isEqualTo(LOGIN_FAILED);
    assertThat(client.isOpen()).isFalse();
    assertThat(proxy.authentication.calls).isEmpty();
    assertThat(proxy.counter("zcproxy.connections.rejected", "reason", "handshake_too_large"))
        .isEqualTo(1);
    assertClean(client, sent);
  }
}
