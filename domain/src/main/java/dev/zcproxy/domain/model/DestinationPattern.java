package dev.zcproxy.domain.model;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a rule lets a client go. Parsed from the policy's strings:
 *
 * <ul>
 *   <li>{@code "*"}: any <em>public</em> address ({@link AnyPublic});
 *   <li>{@code "*.example.com"}: that domain's sub-domains, not the apex ({@link HostSuffix});
 *   <li>{@code "10.0.0.0/8"}, {@code "2001:db8::/32"}, or a bare IP literal (a /32 or /128) ({@link
 *       Cidr});
 *   <li>anything else is an exact host name ({@link ExactHost}), compared case-insensitively.
 * </ul>
 *
 * <p>Host-name patterns match the name the client asked for. Only {@link Cidr} patterns may admit a
 * non-public address (loopback, private, link-local...): see the egress guard in {@code
 * PolicySnapshot}.
 */
public sealed interface DestinationPattern {

  record AnyPublic() implements DestinationPattern {
    @Override
    public String toString() {
      return "*";
    }
  }

  /** Matches names that end in {@code "." + suffix}. */
  record HostSuffix(String suffix) implements DestinationPattern {
    public HostSuffix {
      suffix = HostNames.requireHostName(suffix);
    }

    @Override
    public String toString() {
      return "*." + suffix;
    }
  }

  record ExactHost(String host) implements DestinationPattern {
    public ExactHost {
      host = HostNames.requireHostName(host);
    }

    @Override
    public String toString() {
      return host;
    }
  }

  /**
   * An address block; {@code prefixLength} is within the address family's bit length. An
   * IPv4-mapped IPv6 block ({@code ::ffff:a.b.c.d/96+}) is held as the IPv4 block it embeds,
   * because the JDK and the policy engine treat a mapped address as the IPv4 address.
   */
  record Cidr(InetAddress network, int prefixLength) implements DestinationPattern {
    public Cidr {
      Objects.requireNonNull(network, "network");
      byte[] address = network.getAddress();
      if (HostNames.isIpv4Mapped(address)) {
        if (prefixLength < 96 || prefixLength > 128) {
          throw new IllegalArgumentException(
              "an IPv4-mapped block needs a prefix length of 96-128 (or write the IPv4 block), got "
                  + prefixLength);
        }
        network = HostNames.byAddress(Arrays.copyOfRange(address, 12, 16));
        prefixLength -= 96;
      }
      int bits = network.getAddress().length * 8;
      if (prefixLength < 0 || prefixLength > bits) {
        throw new IllegalArgumentException(
            "prefix length must be 0-" + bits + ", got " + prefixLength);
      }
      network = HostNames.maskTo(network, prefixLength);
    }

    @Override
    public String toString() {
      return network.getHostAddress() + "/" + prefixLength;
    }
  }

  static DestinationPattern parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("destination must not be empty");
    }
    String value = text.trim().toLowerCase(Locale.ROOT);
    if (value.equals("*")) {
      return new AnyPublic();
    }
    if (value.startsWith("*.")) {
      return new HostSuffix(value.substring(2));
    }
    int slash = value.indexOf('/');
    String addressPart = slash < 0 ? value : value.substring(0, slash);
    InetAddress literal = HostNames.parseLiteral(addressPart);
    if (literal != null) {
      // Written as IPv6 but parsed to IPv4: the JDK unwraps ::ffff:a.b.c.d, so the prefix counts
      // 128 bits and the IPv4 block is what is left after the 96-bit mapping prefix.
      boolean writtenAsIpv6 = addressPart.indexOf(':') >= 0;
      int bits = writtenAsIpv6 ? 128 : 32;
      int prefix = slash < 0 ? bits : HostNames.parsePrefix(value.substring(slash + 1), text);
      if (writtenAsIpv6 && literal instanceof Inet4Address) {
        if (prefix < 96 || prefix > 128) {
          throw new IllegalArgumentException(
              "an IPv4-mapped block needs a prefix length of 96-128 (or write the IPv4 block): "
                  + text);
        }
        return new Cidr(literal, prefix - 96);
      }
      return new Cidr(literal, prefix);
    }
    if (slash >= 0) {
      throw new IllegalArgumentException("not a CIDR block: " + text);
    }
    return new ExactHost(value);
  }
}
