package dev.zcproxy.domain.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips of the parsers, over random addresses, blocks and names. */
class DestinationPatternPropertyTest {

  @Property
  void an_ipv4_literal_parses_back_to_its_address(@ForAll @Size(4) byte[] bytes)
      throws UnknownHostException {
    InetAddress address = InetAddress.getByAddress(bytes);

    assertThat(HostNames.parseLiteral(address.getHostAddress())).isEqualTo(address);
  }

  @Property
  void an_ipv6_literal_parses_back_to_its_address_bare_or_bracketed(@ForAll @Size(16) byte[] bytes)
      throws UnknownHostException {
    InetAddress address = InetAddress.getByAddress(bytes);
    String literal = address.getHostAddress();

    assertThat(HostNames.parseLiteral(literal)).isEqualTo(address);
    if (!(address instanceof Inet4Address)) {
      assertThat(HostNames.parseLiteral("[" + literal + "]")).isEqualTo(address);
    }
  }

  @Property
  void a_host_name_is_not_a_literal(@ForAll("hostNames") String name) {
    assertThat(HostNames.parseLiteral(name)).isNull();
  }

  @Property
  void a_pattern_parses_back_from_its_text(@ForAll("patterns") DestinationPattern pattern) {
    assertThat(DestinationPattern.parse(pattern.toString())).isEqualTo(pattern);
  }

  @Property
  void a_cidr_holds_only_network_bits(@ForAll("cidrs") DestinationPattern.Cidr cidr) {
    byte[] network = cidr.network().getAddress();
    for (int bit = cidr.prefixLength(); bit < network.length * 8; bit++) {
      assertThat(network[bit / 8] & (0x80 >>> (bit % 8))).isZero();
    }
  }

  @Property
  void a_mapped_block_parses_to_its_ipv4_block(
      @ForAll @Size(4) byte[] bytes, @ForAll @IntRange(min = 0, max = 32) int prefix)
      throws UnknownHostException {
    String dotted = InetAddress.getByAddress(bytes).getHostAddress();

    assertThat(DestinationPattern.parse("::ffff:" + dotted + "/" + (96 + prefix)))
        .isEqualTo(new DestinationPattern.Cidr(InetAddress.getByAddress(bytes), prefix));
  }

  @Provide
  Arbitrary<DestinationPattern> patterns() {
    return Arbitraries.oneOf(
        Arbitraries.just(new DestinationPattern.AnyPublic()),
        hostNames().map(DestinationPattern.ExactHost::new),
        hostNames().map(DestinationPattern.HostSuffix::new),
        cidrs());
  }

  @Provide
  Arbitrary<DestinationPattern.Cidr> cidrs() {
    Arbitrary<byte[]> addresses =
        Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofSize(4),
            Arbitraries.bytes().array(byte[].class).ofSize(16));
    return addresses.flatMap(
        bytes -> {
          InetAddress address = HostNames.byAddress(bytes);
          int bits = address.getAddress().length * 8;
          return Arbitraries.integers()
              .between(0, bits)
              .map(prefix -> new DestinationPattern.Cidr(address, prefix));
        });
  }

  /** Valid names whose labels start with a letter, so none reads as an IPv4 literal. */
  @Provide
  Arbitrary<String> hostNames() {
    Arbitrary<String> label =
        Combinators.combine(
                Arbitraries.chars().range('a', 'z'),
                Arbitraries.strings()
                    .withCharRange('a', 'z')
                    .numeric()
                    .withChars('-')
                    .ofMaxLength(8),
                Arbitraries.chars().range('a', 'z').numeric())
            .as((first, middle, last) -> first + middle + last);
    return label.list().ofMinSize(1).ofMaxSize(5).map(labels -> String.join(".", labels));
  }
}
