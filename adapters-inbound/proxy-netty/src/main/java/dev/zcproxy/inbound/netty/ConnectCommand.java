package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CONNECT, the same for every protocol: resolve and authorize the destination, connect to exactly
 * the authorized address, reply with the upstream socket's local address, then hand both channels
 * to the relay. Early data goes upstream before anything else.
 */
final class ConnectCommand {
  private static final Logger log = LoggerFactory.getLogger(ConnectCommand.class);

  private ConnectCommand() {}

  static void start(
      Channel client,
      ProxyContext context,
      Principal principal,
      Destination destination,
      HandshakeStage stage,
      CommandReplies replies) {
    context
        .gate()
        .resolveAndAuthorize(client.eventLoop(), principal, destination, Protocol.TCP)
        .addListener(
            (Future<AuthorizedDestination> authorized) -> {
              if (!HandshakeGuard.stillOpen(client)) {
                return;
              }
              if (authorized.isSuccess()) {
                connect(client, context, authorized.getNow(), stage, replies);
              } else {
                refuse(client, stage, destination, authorized.cause(), replies);
              }
            });
  }

  private static void connect(
      Channel client,
      ProxyContext context,
      AuthorizedDestination target,
      HandshakeStage stage,
      CommandReplies replies) {
    context
        .connector()
        .connect(client, target)
        .addListener(
            (Future<Channel> connected) -> {
              if (!connected.isSuccess()) {
                if (HandshakeGuard.stillOpen(client)) {
                  refuse(client, stage, target.requested(), connected.cause(), replies);
                }
                return;
              }
              Channel upstream = connected.getNow();
              if (!HandshakeGuard.stillOpen(client)) {
                upstream.close(); // the client gave up (or timed out) while we connected
                return;
              }
              replies.success((InetSocketAddress) upstream.localAddress());
              ByteBuf early = HandshakeStage.complete(client.pipeline(), stage);
              if (early != null) {
                upstream.writeAndFlush(early);
              }
              log.debug(
                  "{}: {} tunnel for {} to {} ({}), rule {}",
                  client,
                  stage.protocol(),
                  target.principal().name(),
                  target.requested(),
                  target.address(),
                  target.ruleNumber());
              context.relay().start(client, upstream, stage.protocol());
            });
  }

  static void refuse(
      Channel client,
      HandshakeStage stage,
      Destination destination,
      Throwable cause,
      CommandReplies replies) {
    if (!(cause instanceof ProxyRefusal)) {
      log.warn("{}: {} to {} failed unexpectedly", client, stage.protocol(), destination, cause);
    }
    ProxyRefusal refusal = ProxyRefusals.of(cause);
    log.debug("{}: {} refused: {}", client, stage.protocol(), refusal.getMessage());
    replies.failure(refusal.kind());
  }
}
