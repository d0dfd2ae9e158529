package dev.zcproxy.domain.model;

import java.net.InetAddress;
import java.util.Locale;

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

  /** An address block; {@code prefixLength} is within the address family's bit length. */
  record Cidr(InetAddress network, int prefixLength) implements DestinationPattern {
    public Cidr {
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
      int bits = literal.getAddress().length * 8;
      int prefix = slash < 0 ? bits : HostNames.parsePrefix(value.substring(slash + 1), text);
      return new Cidr(literal, prefix);
    }
    if (slash >= 0) {
      throw new IllegalArgumentException("not a CIDR block: " + text);
    }
    return new ExactHost(value);
  }
}
