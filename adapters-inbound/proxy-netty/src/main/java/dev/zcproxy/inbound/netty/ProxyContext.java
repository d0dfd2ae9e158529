package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.port.in.AuthenticateClientUseCase;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;

/** The shared, thread-safe services every connection's handlers use. Built once per server. */
record ProxyContext(
    ProxyServerSettings settings,
    Transport transport,
    AuthenticateClientUseCase authentication,
    AuthorizeConnectionUseCase authorization,
    DestinationGate gate,
    OutboundConnector connector,
    Relay relay,
    ConnectionLimits limits,
    ProxyMetrics metrics) {}
