package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.model.Protocol;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A connection to authorize, <em>after</em> DNS resolution: the proxy connects to exactly {@code
 * address}, so the decision and the connection can never disagree (no DNS rebinding).
 *
 * @param host the name the client asked for, lower case, or {@code null} when it sent an address
 * @param address the resolved address the proxy will connect to
 * @param port 0-65535 (0 only for a UDP association that has not named its port yet)
 */
public record ConnectRequest(String host, InetAddress address, int port, Protocol protocol) {
  public ConnectRequest {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(protocol, "protocol");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }
}
