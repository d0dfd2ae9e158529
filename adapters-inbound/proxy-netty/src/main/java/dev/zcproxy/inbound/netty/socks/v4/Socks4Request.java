package dev.zcproxy.inbound.netty.socks.v4;

import dev.zcproxy.inbound.netty.socks.SocksCommand;
import dev.zcproxy.inbound.netty.upstream.Destination;

/**
 * A SOCKS4 or SOCKS4a request: {@code VN CD DSTPORT DSTIP USERID NUL [DOMAIN NUL]}.
 *
 * @param userId what the client claims to be; an identity claim only, never authentication
 */
record Socks4Request(SocksCommand command, Destination destination, String userId) {}
