package dev.zcproxy.inbound.netty.relay;

import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import dev.zcproxy.inbound.netty.relay.spi.TunnelHandover;
import dev.zcproxy.inbound.netty.relay.spi.TunnelObserver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one established tunnel from Netty to a {@link SocketRelay}, without losing a byte.
 *
 * <ol>
 *   <li>Both channels get a collector in their pipeline and half-closure allowed: Netty reads a
 *       socket on {@code EPOLLRDHUP} even with {@code AUTO_READ} off, so an upstream that speaks
 *       first and hangs up at once (a banner, then FIN) would otherwise have its bytes dropped at
 *       the pipeline's tail and the channel closed.
 *   <li>Whatever the handshake still had to write (the success reply, early data) is flushed.
 *   <li>Both channels are deregistered from the event loop, so Netty stops watching their sockets.
 *   <li>The collectors come out, and the relay gets both channels with the collected bytes.
 * </ol>
 *
 * A channel that closes or fails on the way ends the tunnel here; once the relay has it, the relay
 * ends it and says so through the {@link TunnelObserver}. Runs on the channels' event loop.
 */
final class SocketRelayHandover implements TunnelObserver {
  private static final Logger log = LoggerFactory.getLogger(SocketRelayHandover.class);

  private final Channel client;
  private final Channel upstream;
  private final String protocol;
  private final SocketRelay relay;
  private final Duration idleTimeout;
  private final ProxyMetrics metrics;
  private final AtomicInteger openTunnels;
  private final TunnelEnd end;
  private final boolean adaptive;
  private final Set<Direction> streaming;
  private long bytesUp;
  private long bytesDown;
  private final Collector fromClient = new Collector();
  private final Collector fromUpstream = new Collector();
  private int stepsPending;
  private boolean handedOver;
  private boolean closed;

  SocketRelayHandover(
      Channel client,
      Channel upstream,
      String protocol,
      SocketRelay relay,
      Duration idleTimeout,
      ProxyMetrics metrics,
      AtomicInteger openTunnels,
      TunnelEnd end,
      boolean adaptive,
      Set<Direction> streaming) {
    this.client = client;
    this.upstream = upstream;
    this.protocol = protocol;
    this.relay = relay;
    this.idleTimeout = idleTimeout;
    this.metrics = metrics;
    this.openTunnels = openTunnels;
    this.end = end;
    this.adaptive = adaptive;
    this.streaming = streaming;
  }

  /** Starts the handover; on the channels' event loop. */
  void begin() {
    openTunnels.incrementAndGet();
    metrics.tunnelOpened(protocol, relay.name());
    for (Channel channel : new Channel[] {client, upstream}) {
      channel.config().setAutoRead(false);
      channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
    client.pipeline().addLast(Relay.HANDOVER, fromClient);
    upstream.pipeline().addLast(Relay.HANDOVER, fromUpstream);
    // Until the relay has them, a close of either channel is ours to finish.
    client.closeFuture().addListener(closedOne -> abandon("a channel closed during the handover"));
    upstream
        .closeFuture()
        .addListener(closedOne -> abandon("a channel closed during the handover"));
    stepsPending = 2;
    flushThenDeregister(client);
    flushThenDeregister(upstream);
  }

  /** An empty write completes once everything written before it has reached the socket. */
  private void flushThenDeregister(Channel channel) {
    channel
        .writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            (ChannelFuture flushed) -> {
              if (!flushed.isSuccess()) {
                abandon("a write failed during the handover: " + flushed.cause());
                return;
              }
              if (closed) {
                return;
              }
              channel
                  .deregister()
                  .addListener(
                      (ChannelFuture deregistered) -> {
                        if (!deregistered.isSuccess()) {
                          abandon("cannot deregister: " + deregistered.cause());
                        } else if (--stepsPending == 0) {
                          handOver();
                        }
                      });
            });
  }

  private void handOver() {
    if (closed) {
      return;
    }
    handedOver = true;
    ByteBuf toUpstream = fromClient.take();
    ByteBuf toClient = fromUpstream.take();
    client.pipeline().remove(fromClient);
    upstream.pipeline().remove(fromUpstream);
    relay.relay(
        new TunnelHandover(
            client, upstream, toUpstream, toClient, idleTimeout, this, adaptive, streaming));
  }

  /** Ends the tunnel before the relay got it. */
  private void abandon(String reason) {
    if (handedOver || closed) {
      return;
    }
    log.debug("{}: {} handover abandoned: {}", client, relay.name(), reason);
    fromClient.discard();
    fromUpstream.discard();
    closed(TunnelEnding.CLOSED);
    client.close();
    upstream.close();
  }

  @Override
  public void bytesRelayed(Direction direction, long bytes) {
    if (direction == Direction.UPSTREAM) {
      bytesUp += bytes;
    } else {
      bytesDown += bytes;
    }
    metrics.bytesRelayed(protocol, relay.name(), direction.label(), bytes);
  }

  @Override
  public void closed(TunnelEnding ending) {
    if (closed) {
      return;
    }
    closed = true;
    openTunnels.decrementAndGet();
    metrics.tunnelClosed(protocol, relay.name());
    end.ended(relay.name(), bytesUp, bytesDown, ending);
  }

  /** Keeps whatever Netty reads from a socket while the handover is under way. */
  private static final class Collector extends ChannelInboundHandlerAdapter {
    private CompositeByteBuf bytes;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf data)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (bytes == null) {
        bytes = ctx.alloc().compositeBuffer();
      }
      bytes.addComponent(true, data);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      // The input shutdown event of a FIN: the socket itself remembers it (reads return 0).
      ReferenceCountUtil.release(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("{}: error during the handover, closing: {}", ctx.channel(), cause.toString());
      ctx.close();
    }

    ByteBuf take() {
      ByteBuf taken = bytes;
      bytes = null;
      return taken;
    }

    void discard() {
      if (bytes != null) {
        bytes.release();
        bytes = null;
      }
    }
  }
}
