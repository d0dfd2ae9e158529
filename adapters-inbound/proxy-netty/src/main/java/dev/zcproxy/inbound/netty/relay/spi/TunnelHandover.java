package dev.zcproxy.inbound.netty.relay.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Objects;

/**
 * An established tunnel as the front end hands it to a {@link SocketRelay}.
 *
 * <p>Both channels are open, on the same event loop, deregistered from it (Netty no longer watches
 * or reads their sockets), and have nothing left to write. Bytes the front end had already read but
 * not yet delivered travel along: they must reach their destination before anything the relay reads
 * itself.
 *
 * @param client the client's connection
 * @param upstream the connection to the destination (or BIND's peer)
 * @param pendingToUpstream bytes from the client still owed to the upstream; null or empty if none.
 *     The relay owns (and must release) it.
 * @param pendingToClient the same the other way
 * @param idleTimeout a tunnel with no byte either way for this long is closed
 * @param observer where the relay reports bytes and the tunnel's end
 */
public record TunnelHandover(
    Channel client,
    Channel upstream,
    ByteBuf pendingToUpstream,
    ByteBuf pendingToClient,
    Duration idleTimeout,
    TunnelObserver observer) {

  public TunnelHandover {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(observer, "observer");
  }
}
