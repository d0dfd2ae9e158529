package dev.zcproxy.inbound.netty.handshake;

import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.detect.ProtocolDetector;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in every client pipeline until the tunnel is up (behind the TLS layer, where there is one).
 * It bounds the handshake in time (from accept, so a TLS handshake counts too) and in size (every
 * byte read before the tunnel is up, early data included; decrypted bytes only, as the TLS layer
 * sits in front). When either bound is passed it sends the reply the {@link HandshakeStage} says is
 * due, if any, and closes. It is also where transport errors during the handshake end up (a reset
 * client is not worth a warning).
 *
 * <p>The size bound is for the SOCKS handshakes and for bytes no protocol has claimed. A connection
 * whose first byte starts an HTTP method (or the HTTP/2 preface) is not counted (the wiring says
 * which first bytes those are): the HTTP front ends bound what such a client sends themselves
 * (request line 414, header block 431, HTTP/2's header list and flow-control windows, and a request
 * body is streamed with back-pressure), and a request head with its body can legitimately exceed
 * {@code limits.maxHandshakeBytes} in one read: a 5 KB form posted through an HTTPS proxy arrives
 * as one decrypted TLS record.
 */
public final class HandshakeGuard extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HandshakeGuard.class);

  public static final String TIMEOUT = "handshake_timeout";
  public static final String TOO_LARGE = "handshake_too_large";

  /**
   * What a connection is known to be before a protocol's handshake stage takes it, for the label of
   * a refusal: a layer underneath the protocols (TLS) sets its name here when it goes in; without
   * one the connection is {@link ProtocolDetector#UNKNOWN}.
   */
  public static final AttributeKey<String> OUTER_PROTOCOL =
      AttributeKey.valueOf("zcproxy.outer-protocol");

  private final ProxyServerSettings settings;
  private final ProxyMetrics metrics;
  private final IntPredicate boundsItsOwnInput;
  private final long acceptedAtNanos = System.nanoTime();
  private ScheduledFuture<?> timer;
  private long bytesRead;

  /** Off once the first byte shows an HTTP client, whose front end bounds its own input. */
  private boolean counting = true;

  private boolean tripped;

  /**
   * @param boundsItsOwnInput whether a connection's first byte starts a protocol that bounds what
   *     its clients send itself (HTTP), so the byte cap does not apply to it
   */
  public HandshakeGuard(
      ProxyServerSettings settings, ProxyMetrics metrics, IntPredicate boundsItsOwnInput) {
    this.settings = settings;
    this.metrics = metrics;
    this.boundsItsOwnInput = boundsItsOwnInput;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    long remaining =
        settings.timeouts().handshake().toNanos() - (System.nanoTime() - acceptedAtNanos);
    timer =
        ctx.executor()
            .schedule(() -> trip(ctx, TIMEOUT), Math.max(0, remaining), TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    timer.cancel(false);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tripped) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (counting && msg instanceof ByteBuf data && data.isReadable()) {
      if (bytesRead == 0 && boundsItsOwnInput.test(data.getUnsignedByte(data.readerIndex()))) {
        counting = false; // an HTTP method or the HTTP/2 preface: see the class comment
      } else {
        bytesRead += data.readableBytes();
        if (bytesRead > settings.limits().maxHandshakeBytes()) {
          data.release();
          trip(ctx, TOO_LARGE);
          return;
        }
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("{}: closed during the handshake: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error during the handshake", ctx.channel(), cause);
    }
    ctx.close();
  }

  /**
   * Whether a command may still answer this client: the channel is open and the guard has not
   * already refused it (its failure reply may still be on the way out when a connect completes).
   */
  public static boolean stillOpen(Channel client) {
    return client.isActive() && !hasTripped(client);
  }

  /** Whether the guard refused this client (and counted the refusal). */
  public static boolean hasTripped(Channel client) {
    HandshakeGuard guard = client.pipeline().get(HandshakeGuard.class);
    return guard != null && guard.tripped;
  }

  /** The tunnel (or a command) took over: record how long it took and step aside. */
  public void complete(String protocol) {
    metrics.handshakeCompleted(protocol, System.nanoTime() - acceptedAtNanos);
    timer.cancel(false);
  }

  private void trip(ChannelHandlerContext ctx, String reason) {
    if (tripped || !ctx.channel().isActive()) {
      return;
    }
    tripped = true;
    HandshakeStage stage = findStage(ctx);
    String protocol = stage != null ? stage.protocol() : outerProtocol(ctx.channel());
    metrics.connectionRejected(protocol, reason);
    log.debug("{}: {} refused: {}", ctx.channel(), protocol, reason);
    ByteBuf reply = stage == null ? null : stage.abort(ctx.alloc());
    if (reply == null) {
      ctx.close();
    } else {
      ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Before any protocol is known, a TLS client is at least that. */
  private static String outerProtocol(Channel client) {
    String outer = client.attr(OUTER_PROTOCOL).get();
    return outer != null ? outer : ProtocolDetector.UNKNOWN;
  }

  private static HandshakeStage findStage(ChannelHandlerContext ctx) {
    for (Map.Entry<String, ChannelHandler> entry : ctx.pipeline()) {
      if (entry.getValue() instanceof HandshakeStage stage) {
        return stage;
      }
    }
    return null;
  }
}
