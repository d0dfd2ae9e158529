package dev.zcproxy.inbound.netty.server;

import dev.zcproxy.domain.port.in.AuthenticateClientUseCase;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.auth.ClientAuthentication;
import dev.zcproxy.inbound.netty.handshake.ConnectionLimits;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.Relay;
import dev.zcproxy.inbound.netty.tunnel.LiveTunnelRegistry;
import dev.zcproxy.inbound.netty.upstream.DestinationGate;
import dev.zcproxy.inbound.netty.upstream.OutboundConnector;
import java.util.concurrent.Executor;

/**
 * The shared, thread-safe services every connection's handlers use. Built once per server.
 *
 * @param tunnels where every established tunnel is registered, to be re-authorized when the policy
 *     changes
 * @param authenticationExecutor where password checks run: a user's first login costs a slow hash,
 *     which must never block an event loop (see {@link ClientAuthentication})
 * @param access where finished tunnels, forwarded requests and refusals are logged ({@link
 *     AccessLines#DISABLED} for no access log)
 */
public record ProxyContext(
    ProxyServerSettings settings,
    Transport transport,
    AuthenticateClientUseCase authentication,
    Executor authenticationExecutor,
    DestinationGate gate,
    OutboundConnector connector,
    Relay relay,
    ConnectionLimits limits,
    ProxyMetrics metrics,
    LiveTunnelRegistry tunnels,
    AccessLines access) {

  /** A context without an access log. */
  public ProxyContext(
      ProxyServerSettings settings,
      Transport transport,
      AuthenticateClientUseCase authentication,
      Executor authenticationExecutor,
      DestinationGate gate,
      OutboundConnector connector,
      Relay relay,
      ConnectionLimits limits,
      ProxyMetrics metrics,
      LiveTunnelRegistry tunnels) {
    this(
        settings,
        transport,
        authentication,
        authenticationExecutor,
        gate,
        connector,
        relay,
        limits,
        metrics,
        tunnels,
        AccessLines.DISABLED);
  }
}
