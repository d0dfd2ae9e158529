package dev.zcproxy.inbound.netty.upstream;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * Opens the upstream TCP connection for an authorized destination, on the inbound channel's event
 * loop, with {@code AUTO_READ} off. Fails with a {@link ProxyRefusal} (refused, unreachable,
 * timeout).
 */
public interface OutboundConnector {

  Future<Channel> connect(Channel inbound, AuthorizedDestination destination);
}
