package dev.zcproxy.inbound.netty.upstream;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.domain.policy.ConnectRequest;
import java.net.InetSocketAddress;

/**
 * A destination after DNS and the policy: the proxy must use exactly {@code address}, the one that
 * was authorized.
 */
public record AuthorizedDestination(
    Principal principal, Destination requested, InetSocketAddress address, int ruleNumber) {

  /** The request the policy allowed, as it is asked again when a new policy is installed. */
  public ConnectRequest request(Protocol protocol) {
    return new ConnectRequest(requested.host(), address.getAddress(), address.getPort(), protocol);
  }
}
