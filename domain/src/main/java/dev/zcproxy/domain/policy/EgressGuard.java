package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.model.HostNames;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * Tells public destinations from the ones a forward proxy must not reach unless a rule names them:
 * the proxy's own host, the cluster and office networks behind it, and the cloud metadata service.
 *
 * <p>Non-public, from the IANA special-purpose registries:
 *
 * <ul>
 *   <li>IPv4: {@code 0/8} (unspecified, "this network"), {@code 10/8}, {@code 100.64/10} (CGNAT),
 *       {@code 127/8}, {@code 169.254/16} (link-local, incl. the metadata service {@code
 *       169.254.169.254}), {@code 172.16/12}, {@code 192.0.0/24} (IETF protocol assignments),
 *       {@code 192.0.2/24}, {@code 198.51.100/24}, {@code 203.0.113/24} (documentation), {@code
 *       192.168/16}, {@code 198.18/15} (benchmarking), {@code 224/4} (multicast) and {@code 240/4}
 *       (reserved, incl. the broadcast address {@code 255.255.255.255}).
 *   <li>IPv6: everything outside global unicast {@code 2000::/3}, which covers {@code ::} and
 *       {@code ::1}, {@code fc00::/7} (unique local, incl. {@code fd00:ec2::254}), {@code
 *       fe80::/10}, {@code ff00::/8} and the unassigned space; inside it, Teredo {@code 2001::/32}
 *       (a tunnel to an IPv4 host the guard cannot vet), {@code 2001:2::/48} (benchmarking), {@code
 *       2001:db8::/32} and {@code 3fff::/20} (documentation).
 *   <li>Addresses that carry an IPv4 address are judged by it: IPv4-mapped {@code ::ffff:0:0/96},
 *       NAT64 {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}. The local-use NAT64 prefix {@code
 *       64:ff9b:1::/48} is non-public outright.
 * </ul>
 */
public final class EgressGuard {

  private static final List<Block> NON_PUBLIC_IPV4 =
      blocks(
          "0.0.0.0/8",
          "10.0.0.0/8",
          "100.64.0.0/10",
          "127.0.0.0/8",
          "169.254.0.0/16",
          "172.16.0.0/12",
          "192.0.0.0/24",
          "192.0.2.0/24",
          "192.168.0.0/16",
          "198.18.0.0/15",
          "198.51.100.0/24",
          "203.0.113.0/24",
          "224.0.0.0/4",
          "240.0.0.0/4");

  private static final Block GLOBAL_UNICAST = block("2000::/3");
  private static final Block NAT64 = block("64:ff9b::/96");
  private static final Block SIX_TO_FOUR = block("2002::/16");

  private static final List<Block> NON_PUBLIC_IN_GLOBAL_UNICAST =
      blocks("2001::/32", "2001:2::/48", "2001:db8::/32", "3fff::/20");

  private EgressGuard() {}

  /** True when the address is an ordinary Internet destination; never touches the network. */
  public static boolean isPublic(InetAddress address) {
    return isPublic(AddressBytes.canonical(address));
  }

  /** As {@link #isPublic(InetAddress)}, for canonical bytes (see {@link AddressBytes}). */
  static boolean isPublic(byte[] address) {
    return address.length == 4 ? isPublicIpv4(address) : isPublicIpv6(address);
  }

  private static boolean isPublicIpv4(byte[] address) {
    return !anyContains(NON_PUBLIC_IPV4, address);
  }

  private static boolean isPublicIpv6(byte[] address) {
    if (NAT64.contains(address)) {
      return isPublicIpv4(Arrays.copyOfRange(address, 12, 16));
    }
    if (!GLOBAL_UNICAST.contains(address)) {
      return false;
    }
    if (SIX_TO_FOUR.contains(address)) {
      return isPublicIpv4(Arrays.copyOfRange(address, 2, 6));
    }
    return !anyContains(NON_PUBLIC_IN_GLOBAL_UNICAST, address);
  }

  private static boolean anyContains(List<Block> blocks, byte[] address) {
    for (Block block : blocks) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private record Block(byte[] network, int prefixLength) {
    boolean contains(byte[] address) {
      return AddressBytes.samePrefix(address, network, prefixLength);
    }
  }

  private static List<Block> blocks(String... cidrs) {
    return Arrays.stream(cidrs).map(EgressGuard::block).toList();
  }

  private static Block block(String cidr) {
    int slash = cidr.indexOf('/');
    InetAddress network = HostNames.parseLiteral(cidr.substring(0, slash));
    return new Block(network.getAddress(), Integer.parseInt(cidr.substring(slash + 1)));
  }
}
