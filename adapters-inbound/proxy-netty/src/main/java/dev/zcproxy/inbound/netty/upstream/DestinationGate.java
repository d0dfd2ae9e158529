package dev.zcproxy.inbound.netty.upstream;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Resolves a destination asynchronously (in-process DNS, never blocking an event loop) and asks the
 * policy about the resolved address. The future completes on {@code loop}; it fails with a {@link
 * ProxyRefusal} when the name does not resolve or the policy says no.
 */
public interface DestinationGate {

  Future<AuthorizedDestination> resolveAndAuthorize(
      EventLoop loop, Principal principal, Destination destination, Protocol protocol);
}
