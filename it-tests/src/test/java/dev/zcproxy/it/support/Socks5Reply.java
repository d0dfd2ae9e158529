package dev.zcproxy.it.support;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A SOCKS5 reply: {@code code} 0 is success, anything else the RFC 1928 failure codes.
 *
 * @param bound BND.ADDR and BND.PORT
 */
public record Socks5Reply(int code, InetSocketAddress bound) {
  public static final int SUCCEEDED = 0x00;
  public static final int GENERAL_FAILURE = 0x01;
  public static final int NOT_ALLOWED_BY_RULESET = 0x02;
  public static final int HOST_UNREACHABLE = 0x04;
  public static final int CONNECTION_REFUSED = 0x05;
  public static final int COMMAND_NOT_SUPPORTED = 0x07;
  public static final int ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

  /**
   * Where a client reaches the bound address: an unspecified BND.ADDR (0.0.0.0) means "the address
   * you already talk to", which on these tests is loopback.
   */
  public InetSocketAddress reachableBound() {
    InetAddress address = bound.getAddress();
    if (address == null || address.isAnyLocalAddress()) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
    }
    return bound;
  }
}
