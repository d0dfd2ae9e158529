package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.model.Protocol;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * A destination after name resolution, before the policy: the name the client asked for and every
 * address it resolved to, in the resolver's order. No addresses means the name does not exist (an
 * RFC 6761 {@code .invalid} name, which is never looked up).
 *
 * @param host the name, or {@code null} when the client sent an address (then it is the one
 *     address)
 * @param port 0-65535
 */
public record ResolvedDestination(
    String host, List<InetAddress> addresses, int port, Protocol protocol) {
  public ResolvedDestination {
    addresses = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
    Objects.requireNonNull(protocol, "protocol");
    if (host == null && addresses.isEmpty()) {
      throw new IllegalArgumentException("a destination needs a name or an address");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** The request the policy decides for one of the addresses. */
  public ConnectRequest request(InetAddress address) {
    return new ConnectRequest(host, address, port, protocol);
  }
}
