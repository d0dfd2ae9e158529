package dev.zcproxy.domain.model;

import static dev.zcproxy.domain.fixtures.TestPolicies.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.Inet6Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationPatternTest {

  @Test
  void parses_each_kind_of_destination() {
    assertThat(DestinationPattern.parse("*")).isEqualTo(new DestinationPattern.AnyPublic());
    assertThat(DestinationPattern.parse("*.Example.COM"))
        .isEqualTo(new DestinationPattern.HostSuffix("example.com"));
    assertThat(DestinationPattern.parse(" api.example.com. "))
        .isEqualTo(new DestinationPattern.ExactHost("api.example.com"));
    assertThat(DestinationPattern.parse("10.1.2.3/8"))
        .isEqualTo(new DestinationPattern.Cidr(ip("10.0.0.0"), 8));
    assertThat(DestinationPattern.parse("2001:db8::1/32"))
        .isEqualTo(new DestinationPattern.Cidr(ip("2001:db8::"), 32));
    assertThat(DestinationPattern.parse("[2001:db8::1]"))
        .isEqualTo(new DestinationPattern.Cidr(ip("2001:db8::1"), 128));
    assertThat(DestinationPattern.parse("192.0.2.7"))
        .isEqualTo(new DestinationPattern.Cidr(ip("192.0.2.7"), 32));
  }

  @Test
  void an_ipv4_mapped_block_becomes_the_ipv4_block_it_embeds() {
    assertThat(DestinationPattern.parse("::ffff:10.1.2.3/104"))
        .isEqualTo(new DestinationPattern.Cidr(ip("10.0.0.0"), 8));
    assertThat(DestinationPattern.parse("::ffff:10.1.2.3"))
        .isEqualTo(new DestinationPattern.Cidr(ip("10.1.2.3"), 32));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DestinationPattern.parse("::ffff:10.1.2.3/95"))
        .withMessageContaining("96-128");
  }

  @Test
  void a_cidr_built_from_an_unconverted_mapped_address_holds_the_ipv4_block() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
    var network = Inet6Address.getByAddress(null, mapped, -1);

    assertThat(new DestinationPattern.Cidr(network, 104))
        .isEqualTo(new DestinationPattern.Cidr(ip("127.0.0.0"), 8));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new DestinationPattern.Cidr(network, 64))
        .withMessageContaining("IPv4-mapped");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "10.0.0.0/33",
        "2001:db8::/129",
        "10.0.0.0/",
        "10.0.0.0/x",
        "example.com/8",
        "ex ample.com",
        "*.",
        "foo*.example.com",
        "-bad.example.com",
        "a..b"
      })
  void refuses_what_is_not_a_destination(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> DestinationPattern.parse(text));
  }

  @Test
  void refuses_null() {
    assertThatIllegalArgumentException().isThrownBy(() -> DestinationPattern.parse(null));
  }
}
