package dev.zcproxy.domain.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Host-name and address-literal helpers. Never touches DNS. */
public final class HostNames {

  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

  private HostNames() {}

  /** Validates and lower-cases a DNS name: 1-253 characters, labels of 1-63. */
  public static String requireHostName(String name) {
    if (name == null) {
      throw new IllegalArgumentException("host name must not be null");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".")) {
      lower = lower.substring(0, lower.length() - 1);
    }
    if (lower.isEmpty() || lower.length() > 253) {
      throw new IllegalArgumentException("host name must be 1-253 characters: " + name);
    }
    for (String label : lower.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException("not a valid host name: " + name);
      }
    }
    return lower;
  }

  /**
   * Parses a strict IP literal: a dotted quad of four decimal parts for IPv4, or an IPv6 literal
   * (optionally in brackets). Returns {@code null} when the text is not a literal; never resolves.
   */
  public static InetAddress parseLiteral(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    String value = text;
    if (value.startsWith("[") && value.endsWith("]")) {
      value = value.substring(1, value.length() - 1);
    }
    if (value.indexOf(':') >= 0) {
      try {
        return java.net.Inet6Address.ofLiteral(value);
      } catch (IllegalArgumentException notIpv6) {
        return null;
      }
    }
    String[] parts = value.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        return null;
      }
      int octet = Integer.parseInt(part);
      if (octet > 255) {
        return null;
      }
      bytes[i] = (byte) octet;
    }
    return byAddress(bytes);
  }

  static int parsePrefix(String prefix, String original) {
    if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("not a CIDR block: " + original);
    }
    return Integer.parseInt(prefix);
  }

  /**
   * True for the 16 bytes of an IPv4-mapped IPv6 address, {@code ::ffff:a.b.c.d}. The JDK usually
   * turns those into an {@code Inet4Address}, but {@code Inet6Address.getByAddress} keeps them.
   */
  public static boolean isIpv4Mapped(byte[] address) {
    if (address.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
  }

  /** Zeroes the host bits of {@code address} beyond {@code prefixLength}. */
  static InetAddress maskTo(InetAddress address, int prefixLength) {
    byte[] bytes = address.getAddress();
    for (int bit = prefixLength; bit < bytes.length * 8; bit++) {
      bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return byAddress(bytes);
  }

  static InetAddress byAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      throw new IllegalArgumentException("bad address length " + bytes.length, impossible);
    }
  }
}
