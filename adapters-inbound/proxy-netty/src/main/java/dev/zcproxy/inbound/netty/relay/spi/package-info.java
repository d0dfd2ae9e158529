/**
 * The front end's plug-in point for relays that move a tunnel's bytes outside Netty's pipeline (the
 * splice relay in {@code adapter-splice}). Only this package is public to such adapters; everything
 * else in the front end stays package-private. A relay receives an established, plain TCP tunnel
 * through {@link dev.zcproxy.inbound.netty.relay.spi.SocketRelay#relay}, owns both sockets from
 * then on, and reports back through a {@link dev.zcproxy.inbound.netty.relay.spi.TunnelObserver}.
 */
package dev.zcproxy.inbound.netty.relay.spi;
