package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.inbound.netty.socks.SocksCommand;
import dev.zcproxy.inbound.netty.upstream.Destination;

/** The SOCKS5 request after authentication: {@code VER CMD RSV DST} (RFC 1928 §4). */
record Socks5CommandRequest(SocksCommand command, Destination destination) {}
