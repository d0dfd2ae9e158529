package dev.zcproxy.inbound.netty.http.h3.masque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectUdpTargetTest {

  private static final String PREFIX = "/.well-known/masque/udp/";

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "example.org/443/         | example.org   | 443",
        "Example.ORG/53/          | example.org   | 53",
        "example.org./443/        | example.org   | 443",
        "a_b-c.example/1/         | a_b-c.example | 1",
        "localhost/65535/         | localhost     | 65535",
        "exa%6Dple.org/443/       | example.org   | 443",
        "exa%6dple.org/443/       | example.org   | 443",
        "xn--bcher-kva.example/443/ | xn--bcher-kva.example | 443",
        "example.org/00443/       | example.org   | 443",
        "v6.example/443/          | v6.example    | 443",
      })
  void readsAHostName(String variables, String host, int port) throws Exception {
    assertThat(ConnectUdpTarget.parse(PREFIX + variables))
        .isEqualTo(Destination.ofHost(host, port));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "192.0.2.6/443/                  | 192.0.2.6     | 443",
        "0.0.0.0/9/                      | 0.0.0.0       | 9",
        "255.255.255.255/53/             | 255.255.255.255 | 53",
        "2001%3Adb8%3A%3A1/443/          | 2001:db8::1   | 443",
        "2001%3adb8%3A%3a1/443/          | 2001:db8::1   | 443",
        "2001%3ADB8%3A%3A42/8443/        | 2001:db8::42  | 8443",
        "%3A%3A1/53/                     | ::1           | 53",
        "2001%3Adb8%3A0%3A0%3A0%3A0%3A0%3A1/53/ | 2001:db8::1 | 53",
        "2001:db8::1/443/                | 2001:db8::1   | 443",
        "%3A%3Affff%3A192.0.2.1/443/     | 192.0.2.1     | 443",
      })
  void readsAnAddressLiteralWithoutDns(String variables, String literal, int port)
      throws Exception {
    Destination destination = ConnectUdpTarget.parse(PREFIX + variables);
    assertThat(destination).isEqualTo(Destination.ofAddress(InetAddress.ofLiteral(literal), port));
    assertThat(destination.host()).as("a literal, never a name to resolve").isNull();
  }

  @Test
  void anIpv4MappedAddressBecomesTheIpv4AddressThePolicyKnows() throws Exception {
    assertThat(ConnectUdpTarget.parse(PREFIX + "%3A%3Affff%3A10.0.0.1/53/").literal())
        .isInstanceOf(Inet4Address.class);
  }

  @Test
  void acceptsTheLongestHostName() throws Exception {
    String name = label('a') + "." + label('b') + "." + label('c') + "." + "d".repeat(61);
    assertThat(name).hasSize(253);
    assertThat(ConnectUdpTarget.parse(PREFIX + name + "/443/").host()).isEqualTo(name);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // The template itself.
        "''                                          | needs a path",
        "/                                           | not a CONNECT-UDP path",
        "/other/path                                 | not a CONNECT-UDP path",
        "/.well-known/masque/udp                     | not a CONNECT-UDP path",
        "/.well-known/masque/udp/                    | must end with a slash",
        "/.WELL-KNOWN/masque/udp/host/443/           | not a CONNECT-UDP path",
        "/.well-known/masque/tcp/host/443/           | not a CONNECT-UDP path",
        "//.well-known/masque/udp/host/443/          | not a CONNECT-UDP path",
        "https://proxy/.well-known/masque/udp/h/443/ | not a CONNECT-UDP path",
        "/.well-known/masque/udp/host/443            | must end with a slash",
        "/.well-known/masque/udp/host/               | has no target port",
        "/.well-known/masque/udp/host//              | target port is empty",
        "/.well-known/masque/udp/host/443//          | segments after the target port",
        "/.well-known/masque/udp/host/443/extra/     | segments after the target port",
        "/.well-known/masque/udp/host/443/?x=1       | must not carry a query",
        "/.well-known/masque/udp/host/443/?          | must not carry a query",
        "/.well-known/masque/udp/host/443/#frag      | must not carry a fragment",
        // The port.
        "/.well-known/masque/udp/host/0/             | port 0 is out of range",
        "/.well-known/masque/udp/host/00000/         | port 0 is out of range",
        "/.well-known/masque/udp/host/65536/         | port 65536 is out of range",
        "/.well-known/masque/udp/host/99999/         | port 99999 is out of range",
        "/.well-known/masque/udp/host/000443/        | up to 5 digits",
        "/.well-known/masque/udp/host/99999999999999999999/ | up to 5 digits",
        "/.well-known/masque/udp/host/+443/          | up to 5 digits",
        "/.well-known/masque/udp/host/-1/            | up to 5 digits",
        "/.well-known/masque/udp/host/44a/           | up to 5 digits",
        "/.well-known/masque/udp/host/0x1bb/         | up to 5 digits",
        "/.well-known/masque/udp/host/4 43/          | up to 5 digits",
        "/.well-known/masque/udp/host/%34%34%33/     | up to 5 digits",
        "/.well-known/masque/udp/host/\u0664\u0664\u0663/ | up to 5 digits",
        // The host.
        "/.well-known/masque/udp//443/               | target host is empty",
        "/.well-known/masque/udp//0/                 | out of range",
        "/.well-known/masque/udp/exa mple/443/       | must be percent-encoded or is not allowed",
        "/.well-known/masque/udp/user@host/443/      | must be percent-encoded or is not allowed",
        "/.well-known/masque/udp/[2001:db8::1]/443/  | must be percent-encoded or is not allowed",
        "/.well-known/masque/udp/exämple.org/443/    | must be percent-encoded or is not allowed",
        "/.well-known/masque/udp/a%2Fb/443/          | not a valid host name",
        "/.well-known/masque/udp/user%40host/443/    | not a valid host name",
        "/.well-known/masque/udp/ex%21ample/443/     | not a valid host name",
        "/.well-known/masque/udp/exa~mple/443/       | not a valid host name",
        "/.well-known/masque/udp/-leading.example/443/ | not a valid host name",
        "/.well-known/masque/udp/trailing-.example/443/ | not a valid host name",
        "/.well-known/masque/udp/a..b/443/           | not a valid host name",
        "/.well-known/masque/udp/../443/             | not a valid host name",
        "/.well-known/masque/udp/./443/              | not a valid host name",
        "/.well-known/masque/udp/*.example/443/      | must be percent-encoded or is not allowed",
        "/.well-known/masque/udp/exa%20mple/443/     | control, space or non-ASCII byte",
        "/.well-known/masque/udp/exa%00mple/443/     | control, space or non-ASCII byte",
        "/.well-known/masque/udp/exa%0Ample/443/     | control, space or non-ASCII byte",
        "/.well-known/masque/udp/exa%7Fmple/443/     | control, space or non-ASCII byte",
        "/.well-known/masque/udp/ex%C3%A4mple/443/   | control, space or non-ASCII byte",
        "/.well-known/masque/udp/exa%/443/           | invalid percent-encoding",
        "/.well-known/masque/udp/exa%6/443/          | invalid percent-encoding",
        "/.well-known/masque/udp/exa%zzmple/443/     | invalid percent-encoding",
        "/.well-known/masque/udp/exa%%41mple/443/    | invalid percent-encoding",
        "/.well-known/masque/udp/exa%\u0661\u0662mple/443/ | invalid percent-encoding",
        // Address literals.
        "/.well-known/masque/udp/%5B2001%3Adb8%3A%3A1%5D/443/ | not a valid IPv6 literal",
        "/.well-known/masque/udp/2001%3Adb8%3A%3A1%3A%3A2/443/ | not a valid IPv6 literal",
        "/.well-known/masque/udp/2001%3Adb8%3A%3Ag/443/ | not a valid IPv6 literal",
        "/.well-known/masque/udp/1%3A2%3A3%3A4%3A5%3A6%3A7%3A8%3A9/443/ | not a valid IPv6 literal",
        "/.well-known/masque/udp/host%3A443/443/     | not a valid IPv6 literal",
        "/.well-known/masque/udp/fe80%3A%3A1%25eth0/443/ | IPv6 zone",
        "/.well-known/masque/udp/fe80::1%251/443/    | IPv6 zone",
        "/.well-known/masque/udp/010.0.0.1/443/      | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/256.1.1.1/443/      | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/1.2.3/443/          | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/1.2.3.4.5/443/      | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/1.2.3.4./443/       | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/127.1/443/          | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/2130706433/443/     | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/0x7f.1/443/         | dotted-quad IPv4 literal",
        "/.well-known/masque/udp/example.123/443/    | dotted-quad IPv4 literal",
      })
  void refusesAMalformedPathWith400(String path, String why) {
    assertBadRequest(path, why);
  }

  @Test
  void refusesAHostOf256Bytes() {
    String name = label('a') + "." + label('b') + "." + label('c') + "." + label('d') + ".";
    assertThat(name).hasSize(256);
    assertBadRequest(PREFIX + name + "/443/", "longer than 255 bytes");
  }

  @Test
  void refusesAHostOf254BytesThatNoDnsNameCanBe() {
    String name = label('a') + "." + label('b') + "." + label('c') + "." + "d".repeat(62);
    assertThat(name).hasSize(254);
    assertBadRequest(PREFIX + name + "/443/", "not a valid host name");
  }

  @Test
  void refusesALabelOf64Bytes() {
    assertBadRequest(PREFIX + "a".repeat(64) + ".example/443/", "not a valid host name");
  }

  @Test
  void refusesAHostWhoseEncodingAloneIsTooLongWithoutDecodingIt() {
    assertBadRequest(PREFIX + "%41".repeat(256) + "/443/", "longer than 255 bytes");
    assertBadRequest(PREFIX + "a".repeat(100_000) + "/443/", "longer than 255 bytes");
  }

  @Test
  void theMessageEchoesOnlyAShortPrintablePartOfWhatTheClientSent() {
    String path = PREFIX + "x\u0000\u001b[31m" + "y".repeat(500) + "/443/";
    assertThatThrownBy(() -> ConnectUdpTarget.parse(path))
        .isInstanceOfSatisfying(
            HttpRejection.class,
            rejection -> {
              assertThat(rejection.getMessage()).doesNotContain("\u0000", "\u001b");
              assertThat(rejection.getMessage()).hasSizeLessThan(200);
            });
  }

  @Test
  void refusesANullPath() {
    assertBadRequest(null, "needs a path");
  }

  private static void assertBadRequest(String path, String why) {
    assertThatThrownBy(() -> ConnectUdpTarget.parse(path))
        .isInstanceOfSatisfying(
            HttpRejection.class,
            rejection -> {
              assertThat(rejection.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
              assertThat(rejection.label()).isEqualTo("bad_request");
            })
        .hasMessageContaining(why);
  }

  private static String label(char letter) {
    return String.valueOf(letter).repeat(63);
  }
}
