package dev.zcproxy.inbound.netty;

/** The SOCKS5 request after authentication: {@code VER CMD RSV DST} (RFC 1928 §4). */
record Socks5CommandRequest(SocksCommand command, Destination destination) {}
