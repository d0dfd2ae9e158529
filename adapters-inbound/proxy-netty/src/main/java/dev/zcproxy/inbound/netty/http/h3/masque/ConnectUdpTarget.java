package dev.zcproxy.inbound.netty.http.h3.masque;

import dev.zcproxy.domain.model.HostNames;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.upstream.Destination;
import java.net.InetAddress;

/**
 * The target of a CONNECT-UDP request, read from the path of RFC 9298's default URI template (§3):
 * {@code /.well-known/masque/udp/{target_host}/{target_port}/}. The proxy's policy decision depends
 * on it, so it is parsed by hand and strictly, like {@code HttpRequestTarget}:
 *
 * <ul>
 *   <li>The path matches the template exactly: the prefix, one host segment, one port segment and
 *       the trailing slash, with no query (the default template has none) and no fragment.
 *   <li>{@code target_host} is percent-decoded (RFC 3986 §2.1, either case of hex digit), since
 *       template expansion encodes everything but unreserved characters; an IPv6 literal therefore
 *       arrives as {@code 2001%3Adb8%3A%3A1}, without brackets. Raw colons are accepted too: a path
 *       segment may hold them (RFC 3986 §3.3) and they decode to the same literal.
 *   <li>The decoded host is an IPv4 literal in strict dotted-quad form, an IPv6 literal without a
 *       zone (RFC 9298 §3 does not support zones), or a DNS name ({@link
 *       HostNames#requireHostName}). A name whose last label is all digits ({@code 127.1}, {@code
 *       0x7f.1}, {@code 2130706433}) is refused rather than passed on, because some resolvers read
 *       such names as addresses and the policy would have judged a different target than the one
 *       connected to.
 *   <li>Literals become {@link Destination#ofAddress} without any DNS lookup.
 *   <li>{@code target_port} is 1 to 5 decimal digits, 1 to 65535: port 0 cannot be sent to.
 * </ul>
 */
public final class ConnectUdpTarget {

  /** The fixed part of the default template, in front of {@code target_host}. */
  public static final String PATH_PREFIX = "/.well-known/masque/udp/";

  /** The longest {@code target_host}, decoded: the longest DNS name in its wire form. */
  static final int MAX_HOST_BYTES = 255;

  private static final int MAX_PORT_DIGITS = 5;
  private static final int MAX_ECHOED_CHARS = 64;

  private ConnectUdpTarget() {}

  /**
   * Parses the {@code :path} of a CONNECT-UDP request (or the origin-form target of its HTTP/1.1
   * upgrade) into the destination the client asked for.
   *
   * @throws HttpRejection a 400, naming what is wrong, for any path that does not match the
   *     template or carries an invalid host or port
   */
  public static Destination parse(String path) throws HttpRejection {
    if (path == null || path.isEmpty()) {
      throw HttpRejection.badRequest("a CONNECT-UDP request needs a path");
    }
    if (path.indexOf('?') >= 0) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP path must not carry a query: " + PATH_PREFIX + "{host}/{port}/");
    }
    if (path.indexOf('#') >= 0) {
      throw HttpRejection.badRequest("the CONNECT-UDP path must not carry a fragment");
    }
    if (!path.startsWith(PATH_PREFIX)) {
      throw HttpRejection.badRequest(
          "not a CONNECT-UDP path " + PATH_PREFIX + "{host}/{port}/: " + echo(path));
    }
    String variables = path.substring(PATH_PREFIX.length());
    if (!variables.endsWith("/")) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP path must end with a slash after the port: " + echo(path));
    }
    int hostEnd = variables.indexOf('/');
    if (hostEnd == variables.length() - 1) {
      throw HttpRejection.badRequest("the CONNECT-UDP path has no target port: " + echo(path));
    }
    String port = variables.substring(hostEnd + 1, variables.length() - 1);
    if (port.indexOf('/') >= 0) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP path has segments after the target port: " + echo(path));
    }
    return destination(variables.substring(0, hostEnd), parsePort(port));
  }

  private static int parsePort(String port) throws HttpRejection {
    if (port.isEmpty()) {
      throw HttpRejection.badRequest("the CONNECT-UDP target port is empty");
    }
    if (port.length() > MAX_PORT_DIGITS || !allDigits(port)) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target port is not a decimal number of up to 5 digits: " + echo(port));
    }
    int number = Integer.parseInt(port);
    if (number < 1 || number > 65535) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target port " + number + " is out of range 1-65535");
    }
    return number;
  }

  private static Destination destination(String encodedHost, int port) throws HttpRejection {
    if (encodedHost.isEmpty()) {
      throw HttpRejection.badRequest("the CONNECT-UDP target host is empty");
    }
    String host = percentDecode(encodedHost);
    if (host.isEmpty()) {
      throw HttpRejection.badRequest("the CONNECT-UDP target host is empty");
    }
    if (host.length() > MAX_HOST_BYTES) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target host is longer than " + MAX_HOST_BYTES + " bytes");
    }
    if (host.indexOf(':') >= 0) {
      return Destination.ofAddress(ipv6Literal(host), port);
    }
    if (allDigits(lastLabel(host))) {
      return Destination.ofAddress(ipv4Literal(host), port);
    }
    try {
      return Destination.ofHost(HostNames.requireHostName(host), port);
    } catch (IllegalArgumentException invalid) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target host is not a valid host name: " + echo(host));
    }
  }

  /**
   * Decodes {@code %XX} escapes to bytes, refusing anything that cannot be part of a host: a
   * malformed escape, a raw character outside the unreserved set and {@code :}, and any decoded
   * byte outside printable ASCII (a name with other characters must come as an A-label).
   */
  private static String percentDecode(String encoded) throws HttpRejection {
    if (encoded.length() > 3 * MAX_HOST_BYTES) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target host is longer than " + MAX_HOST_BYTES + " bytes");
    }
    StringBuilder decoded = new StringBuilder(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%') {
        int high = hexDigitAt(encoded, i + 1);
        int low = hexDigitAt(encoded, i + 2);
        if (high < 0 || low < 0) {
          throw HttpRejection.badRequest(
              "the CONNECT-UDP target host has an invalid percent-encoding: " + echo(encoded));
        }
        char byteValue = (char) (high << 4 | low);
        if (byteValue <= 0x20 || byteValue >= 0x7F) {
          throw HttpRejection.badRequest(
              "the CONNECT-UDP target host encodes a control, space or non-ASCII byte: "
                  + echo(encoded));
        }
        decoded.append(byteValue);
        i += 2;
      } else if (isUnreserved(c) || c == ':') {
        decoded.append(c);
      } else {
        throw HttpRejection.badRequest(
            "the CONNECT-UDP target host has a character that must be percent-encoded or is not"
                + " allowed: "
                + echo(encoded));
      }
    }
    return decoded.toString();
  }

  /** An IPv6 literal: no brackets (RFC 9298 §3 encodes the bare address) and no zone. */
  private static InetAddress ipv6Literal(String host) throws HttpRejection {
    if (host.indexOf('%') >= 0) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target host has an IPv6 zone, which RFC 9298 does not support: "
              + echo(host));
    }
    InetAddress literal =
        host.indexOf('[') >= 0 || host.indexOf(']') >= 0 ? null : HostNames.parseLiteral(host);
    if (literal == null) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target host is not a valid IPv6 literal: " + echo(host));
    }
    return literal;
  }

  /**
   * A dotted quad of decimal octets without leading zeros (RFC 3986 §3.2.2 {@code IPv4address}),
   * since {@code 010.0.0.1} is octal to some parsers and decimal to others.
   */
  private static InetAddress ipv4Literal(String host) throws HttpRejection {
    String[] octets = host.split("\\.", -1);
    boolean strict = octets.length == 4;
    for (int i = 0; strict && i < octets.length; i++) {
      String octet = octets[i];
      strict =
          !octet.isEmpty()
              && octet.length() <= 3
              && allDigits(octet)
              && (octet.length() == 1 || octet.charAt(0) != '0')
              && Integer.parseInt(octet) <= 255;
    }
    InetAddress literal = strict ? HostNames.parseLiteral(host) : null;
    if (literal == null) {
      throw HttpRejection.badRequest(
          "the CONNECT-UDP target host is neither a dotted-quad IPv4 literal nor a host name: "
              + echo(host));
    }
    return literal;
  }

  /** The last dot-separated label, ignoring one trailing dot (an absolute DNS name). */
  private static String lastLabel(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static boolean allDigits(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * The value of the ASCII hex digit at {@code index}, or -1 past the end or for anything else
   * ({@link Character#digit} would also take other scripts' digits).
   */
  private static int hexDigitAt(String text, int index) {
    if (index >= text.length()) {
      return -1;
    }
    char c = text.charAt(index);
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  /** RFC 3986 §2.3: the characters a URI template expansion leaves unencoded. */
  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /**
   * Client text fit to go back in a response body: printable ASCII only, and short, so that a
   * rejection cannot be used to reflect arbitrary bytes.
   */
  private static String echo(String text) {
    StringBuilder safe = new StringBuilder(Math.min(text.length(), MAX_ECHOED_CHARS) + 3);
    for (int i = 0; i < text.length() && i < MAX_ECHOED_CHARS; i++) {
      char c = text.charAt(i);
      safe.append(c > 0x20 && c < 0x7F ? c : '?');
    }
    return text.length() > MAX_ECHOED_CHARS ? safe.append("...").toString() : safe.toString();
  }
}
