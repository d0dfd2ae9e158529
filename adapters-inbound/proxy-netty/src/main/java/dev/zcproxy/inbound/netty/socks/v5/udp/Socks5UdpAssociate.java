package dev.zcproxy.inbound.netty.socks.v5.udp;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.udp.UdpSession;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §7) on the {@link UdpSession} core: the client side speaks
 * SOCKS5's UDP header ({@link Socks5UdpClientHandler}), and the TCP control connection carries the
 * association's life ({@link UdpAssociationControlHandler}).
 */
public final class Socks5UdpAssociate {

  /** The metrics label of UDP associations, for tunnels and bytes alike. */
  public static final String METRICS_LABEL = "socks5-udp";

  private Socks5UdpAssociate() {}

  /**
   * Opens the association for a SOCKS5 client whose UDP ASSOCIATE was accepted, and answers it
   * through {@code replies}: success with the relay's address, or failure. Must run on the control
   * channel's event loop, with the handshake handlers gone and {@code AUTO_READ} off.
   *
   * @param clientHint DST.ADDR and DST.PORT of the request: where the client says it will send
   *     from, zeros when it does not know (may be null)
   */
  public static void start(
      Channel control,
      ProxyContext context,
      Principal principal,
      Destination clientHint,
      CommandReplies replies) {
    InetSocketAddress client = (InetSocketAddress) control.remoteAddress();
    UdpSession.start(
        control,
        context,
        principal,
        session ->
            new Socks5UdpClientHandler(
                session, client == null ? null : client.getAddress(), clientHint),
        replies,
        "socks5",
        AccessCommand.UDP,
        clientHint,
        AccessLines.start());
  }
}
