package dev.zcproxy.inbound.netty.command;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.access.TunnelLine;
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
    /**
     * @param line the tunnel's access log line, to be told when the tunnel ends
     */
    void connected(Channel upstream, AuthorizedDestination target, TunnelLine line);

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
          public void connected(Channel upstream, AuthorizedDestination target, TunnelLine line) {
            replies.success((InetSocketAddress) upstream.localAddress());
            ByteBuf early = HandshakeStage.complete(client.pipeline(), stage);
            if (early != null) {
              upstream.writeAndFlush(early);
            }
            context.relay().start(client, upstream, stage.protocol(), line);
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
    long startNanos = AccessLines.start();
    context
        .gate()
        .resolveAndAuthorize(client.eventLoop(), principal, destination, Protocol.TCP)
        .addListener(
            (Future<AuthorizedDestination> authorized) -> {
              if (!HandshakeGuard.stillOpen(client)) {
                return;
              }
              if (authorized.isSuccess()) {
                connect(client, context, authorized.getNow(), protocol, outcome, startNanos);
              } else {
                ProxyRefusal refusal = refusal(client, protocol, destination, authorized.cause());
                context
                    .access()
                    .refused(
                        client,
                        protocol,
                        AccessCommand.CONNECT,
                        principal,
                        destination,
                        refusal,
                        startNanos);
                outcome.refused(refusal);
              }
            });
  }

  private static void connect(
      Channel client,
      ProxyContext context,
      AuthorizedDestination target,
      String protocol,
      Outcome outcome,
      long startNanos) {
    context
        .connector()
        .connect(client, target)
        .addListener(
            (Future<Channel> connected) -> {
              if (!connected.isSuccess()) {
                if (HandshakeGuard.stillOpen(client)) {
                  ProxyRefusal refusal =
                      refusal(client, protocol, target.requested(), connected.cause());
                  context
                      .access()
                      .refused(
                          client,
                          protocol,
                          AccessCommand.CONNECT,
                          target.principal(),
                          target.requested(),
                          refusal,
                          startNanos);
                  outcome.refused(refusal);
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
              TunnelLine line =
                  context
                      .access()
                      .tunnel(client, protocol, AccessCommand.CONNECT, target, startNanos);
              context
                  .tunnels()
                  .register(client, target.principal(), target.request(Protocol.TCP), line);
              outcome.connected(upstream, target, line);
            });
  }

  /**
   * Refuses a command the gate did not authorize, and logs it.
   *
   * @param principal who asked
   * @param startNanos from {@link AccessLines#start()} when the client asked
   */
  public static void refuse(
      Channel client,
      ProxyContext context,
      HandshakeStage stage,
      AccessCommand command,
      Principal principal,
      Destination destination,
      Throwable cause,
      CommandReplies replies,
      long startNanos) {
    ProxyRefusal refusal = refusal(client, stage.protocol(), destination, cause);
    context
        .access()
        .refused(client, stage.protocol(), command, principal, destination, refusal, startNanos);
    replies.failure(refusal);
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
