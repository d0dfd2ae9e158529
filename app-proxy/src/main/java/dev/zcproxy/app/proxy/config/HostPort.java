package dev.zcproxy.app.proxy.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Listen addresses as operators write them: {@code 127.0.0.1:1080}, {@code localhost:1080}, {@code
 * [::1]:1080}, {@code 0.0.0.0:1080}. Port 0 asks the kernel for a free port (useful in tests).
 */
public final class HostPort {

  private HostPort() {}

  /**
   * Parses and resolves a listen address. A host name is resolved once, here, so that a typo fails
   * at startup rather than at bind time.
   *
   * @throws IllegalArgumentException with a message fit for an operator, such as {@code expected
   *     host:port}
   */
  public static InetSocketAddress parse(String text) {
    String value = text.trim();
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("expected host:port");
    }
    String host = value.substring(0, colon);
    int port = parsePort(value.substring(colon + 1));
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 3) {
        throw new IllegalArgumentException(
            "expected host:port with an IPv6 address in brackets, like [::1]:1080");
      }
      try {
        return new InetSocketAddress(
            Inet6Address.ofLiteral(host.substring(1, host.length() - 1)), port);
      } catch (IllegalArgumentException notIpv6) {
        throw new IllegalArgumentException("expected an IPv6 address in the brackets", notIpv6);
      }
    }
    if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "expected host:port with an IPv6 address in brackets, like [::1]:1080");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException unknown) {
      throw new IllegalArgumentException("cannot resolve host '" + host + "'", unknown);
    }
  }

  /** {@code 127.0.0.1:1080} or {@code [::1]:1080}, never a reverse DNS lookup. */
  public static String format(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    if (ip == null) {
      return address.getHostString() + ":" + address.getPort();
    }
    String host = ip.getHostAddress();
    if (ip instanceof Inet6Address) {
      int scope = host.indexOf('%');
      host = "[" + (scope < 0 ? host : host.substring(0, scope)) + "]";
    }
    return host + ":" + address.getPort();
  }

  private static int parsePort(String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("expected host:port");
    }
    int port = Integer.parseInt(text);
    if (port > 65535) {
      throw new IllegalArgumentException("expected a port from 0 to 65535");
    }
    return port;
  }
}
