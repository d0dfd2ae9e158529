package dev.zcproxy.inbound.netty.relay.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

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
 * @param adaptive {@code relay: auto}: each direction carries bytes the cheapest way for how it
 *     streams (copy for small exchanges, the relay's own way for bulk), and may switch back and
 *     forth; otherwise the relay uses its own way for everything it can
 * @param streaming the directions already streaming when the front end handed the tunnel over (an
 *     adaptive tunnel is handed over because one of them started to stream)
 */
public record TunnelHandover(
    Channel client,
    Channel upstream,
    ByteBuf pendingToUpstream,
    ByteBuf pendingToClient,
    Duration idleTimeout,
    TunnelObserver observer,
    boolean adaptive,
    Set<TunnelObserver.Direction> streaming) {

  public TunnelHandover {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(observer, "observer");
    streaming = Set.copyOf(streaming);
  }
}
