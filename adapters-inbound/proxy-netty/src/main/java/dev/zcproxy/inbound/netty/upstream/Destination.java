package dev.zcproxy.inbound.netty.upstream;

import java.net.InetAddress;

/**
 * Where a client asked to go, exactly as it said it: by name ({@code host}, with {@code literal}
 * null) or by address ({@code literal}, with {@code host} null).
 */
public record Destination(String host, InetAddress literal, int port) {
  public Destination {
    if ((host == null) == (literal == null)) {
      throw new IllegalArgumentException("exactly one of host and literal must be set");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  public static Destination ofHost(String host, int port) {
    return new Destination(host, null, port);
  }

  public static Destination ofAddress(InetAddress address, int port) {
    return new Destination(null, address, port);
  }

  @Override
  public String toString() {
    String name = host != null ? host : literal.getHostAddress();
    return name.indexOf(':') >= 0 ? "[" + name + "]:" + port : name + ":" + port;
  }
}
