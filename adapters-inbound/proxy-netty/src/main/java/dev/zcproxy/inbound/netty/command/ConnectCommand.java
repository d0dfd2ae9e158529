package dev.zcproxy.inbound.netty.command;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.HandshakeStage;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
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
public final class ConnectCommand {
  private static final Logger log = LoggerFactory.getLogger(ConnectCommand.class);

  private ConnectCommand() {}

  /**
   * What becomes of {@link #open}: the connected upstream channel (the caller owns it), or the
   * refusal, already logged. Neither is called once the client has gone.
   */
  public interface Outcome {
    void connected(Channel upstream, AuthorizedDestination target);

    /** With the reason, which names the policy rule for a refusal of the policy. */
    void refused(ProxyRefusal refusal);
  }

  public static void start(
      Channel client,
      ProxyContext context,
      Principal principal,
      Destination destination,
      HandshakeStage stage,
      CommandReplies replies) {
    open(
        client,
        context,
        principal,
        destination,
        stage.protocol(),
        new Outcome() {
          @Override
          public void connected(Channel upstream, AuthorizedDestination target) {
            replies.success((InetSocketAddress) upstream.localAddress());
            ByteBuf early = HandshakeStage.complete(client.pipeline(), stage);
            if (early != null) {
              upstream.writeAndFlush(early);
            }
            context.relay().start(client, upstream, stage.protocol());
          }

          @Override
          public void refused(ProxyRefusal refusal) {
            replies.failure(refusal);
          }
        });
  }

  /**
   * The policy half of CONNECT, for any protocol: resolve and authorize {@code destination}, then
   * connect to exactly the authorized address. {@code client} may be a connection or one stream of
   * a multiplexed connection; its event loop is the upstream's.
   */
  public static void open(
      Channel client,
      ProxyContext context,
      Principal principal,
      Destination destination,
      String protocol,
      Outcome outcome) {
    context
        .gate()
        .resolveAndAuthorize(client.eventLoop(), principal, destination, Protocol.TCP)
        .addListener(
            (Future<AuthorizedDestination> authorized) -> {
              if (!HandshakeGuard.stillOpen(client)) {
                return;
              }
              if (authorized.isSuccess()) {
                connect(client, context, authorized.getNow(), protocol, outcome);
              } else {
                outcome.refused(refusal(client, protocol, destination, authorized.cause()));
              }
            });
  }

  private static void connect(
      Channel client,
      ProxyContext context,
      AuthorizedDestination target,
      String protocol,
      Outcome outcome) {
    context
        .connector()
        .connect(client, target)
        .addListener(
            (Future<Channel> connected) -> {
              if (!connected.isSuccess()) {
                if (HandshakeGuard.stillOpen(client)) {
                  outcome.refused(refusal(client, protocol, target.requested(), connected.cause()));
                }
                return;
              }
              Channel upstream = connected.getNow();
              if (!HandshakeGuard.stillOpen(client)) {
                upstream.close(); // the client gave up (or timed out) while we connected
                return;
              }
              log.debug(
                  "{}: {} tunnel for {} to {} ({}), rule {}",
                  client,
                  protocol,
                  target.principal().name(),
                  target.requested(),
                  target.address(),
                  target.ruleNumber());
              context.tunnels().register(client, target.principal(), target.request(Protocol.TCP));
              outcome.connected(upstream, target);
            });
  }

  public static void refuse(
      Channel client,
      HandshakeStage stage,
      Destination destination,
      Throwable cause,
      CommandReplies replies) {
    replies.failure(refusal(client, stage.protocol(), destination, cause));
  }

  /** Logs why {@code destination} is out of reach and says why, as the refusal. */
  private static ProxyRefusal refusal(
      Channel client, String protocol, Destination destination, Throwable cause) {
    if (!(cause instanceof ProxyRefusal)) {
      log.warn("{}: {} to {} failed unexpectedly", client, protocol, destination, cause);
    }
    ProxyRefusal refusal = ProxyRefusals.of(cause);
    log.debug("{}: {} refused: {}", client, protocol, refusal.getMessage());
    return refusal;
  }
}
