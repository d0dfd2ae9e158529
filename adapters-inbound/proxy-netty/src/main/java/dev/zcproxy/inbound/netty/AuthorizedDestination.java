package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.auth.Principal;
import java.net.InetSocketAddress;

/**
 * A destination after DNS and the policy: the proxy must use exactly {@code address}, the one that
 * was authorized.
 */
record AuthorizedDestination(
    Principal principal, Destination requested, InetSocketAddress address, int ruleNumber) {}
