package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.model.HostNames;
import java.net.InetAddress;
import java.util.Arrays;

/** Raw address bytes, as the policy engine compares them. */
final class AddressBytes {

  private AddressBytes() {}

  /**
   * The address's bytes, with an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) reduced to the 4
   * bytes of the IPv4 address it stands for: a socket connects there, so rules and the egress guard
   * must see it as that IPv4 address.
   */
  static byte[] canonical(InetAddress address) {
    byte[] bytes = address.getAddress();
    return HostNames.isIpv4Mapped(bytes) ? Arrays.copyOfRange(bytes, 12, 16) : bytes;
  }

  /** True when the first {@code prefixLength} bits of the two equally long addresses agree. */
  static boolean samePrefix(byte[] address, byte[] network, int prefixLength) {
    if (address.length != network.length) {
      return false;
    }
    int wholeBytes = prefixLength / 8;
    for (int i = 0; i < wholeBytes; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int restBits = prefixLength % 8;
    if (restBits == 0) {
      return true;
    }
    int mask = 0xff << (8 - restBits);
    return ((address[wholeBytes] ^ network[wholeBytes]) & mask) == 0;
  }
}
