package dev.zcproxy.inbound.netty.socks;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.command.BindCommand;
import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.HandshakeStage;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The steps SOCKS4 and SOCKS5 share when a command other than CONNECT takes over. */
public final class SocksCommands {
  private static final Logger log = LoggerFactory.getLogger(SocksCommands.class);

  private SocksCommands() {}

  /**
   * BIND: the destination in the request is the peer expected to connect back, so it is resolved
   * and authorized like a CONNECT destination before the proxy listens for it. Early data goes with
   * the command, for the peer.
   */
  public static void bind(
      ChannelHandlerContext ctx,
      ProxyContext context,
      Principal principal,
      Destination expectedPeer,
      HandshakeStage stage,
      CommandReplies replies) {
    long startNanos = AccessLines.start();
    context
        .gate()
        .resolveAndAuthorize(ctx.channel().eventLoop(), principal, expectedPeer, Protocol.TCP)
        .addListener(
            (Future<AuthorizedDestination> authorized) -> {
              if (!HandshakeGuard.stillOpen(ctx.channel())) {
                return;
              }
              if (!authorized.isSuccess()) {
                ConnectCommand.refuse(
                    ctx.channel(),
                    context,
                    stage,
                    AccessCommand.BIND,
                    principal,
                    expectedPeer,
                    authorized.cause(),
                    replies,
                    startNanos);
                return;
              }
              ByteBuf early = HandshakeStage.complete(ctx.pipeline(), stage);
              BindCommand.start(
                  ctx, context, authorized.getNow(), replies, stage.protocol(), early, startNanos);
            });
  }

  /**
   * Ends the handshake before BIND or UDP ASSOCIATE takes the connection. Early data has nowhere to
   * go yet (the peer or the relay does not exist), so it is dropped.
   */
  public static void handOff(ChannelHandlerContext ctx, HandshakeStage stage) {
    ByteBuf early = HandshakeStage.complete(ctx.pipeline(), stage);
    if (early != null) {
      log.debug(
          "{}: dropping {} bytes the client sent before its {} reply",
          ctx.channel(),
          early.readableBytes(),
          stage.protocol());
      early.release();
    }
  }
}
