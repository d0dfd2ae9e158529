package dev.zcproxy.inbound.netty.relay;

import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import dev.zcproxy.inbound.netty.relay.spi.TunnelObserver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portable relay: bytes are read into the pooled direct buffers of the channel's allocator and
 * written to the other side as they are, with no copy in user space.
 *
 * <ul>
 *   <li>Back-pressure: each side is read only on request, and a side is asked for more only while
 *       the other side is writable. When the other side drains below its low water mark, reading
 *       resumes.
 *   <li>Half-close: a FIN from one side is passed on as a FIN ({@code shutdownOutput}) to the
 *       other, after everything read before it has been written. The tunnel closes when both
 *       directions are done. Towards a TLS client the FIN is preceded by close_notify: a bare FIN
 *       is what a truncation attack looks like, and strict clients (OpenSSL 3 without
 *       IGNORE_UNEXPECTED_EOF) fail the transfer on it. A close_notify from a TLS client counts as
 *       its FIN.
 *   <li>Errors: a reset or error on either side closes both, and the surviving side is reset too
 *       (SO_LINGER 0), so a client never mistakes an aborted download for a complete one.
 *   <li>Idle: no bytes either way for {@code idleTimeout} closes both. The client channel sees
 *       every byte of the tunnel (it reads one direction and writes the other), so one idle timer
 *       there covers both.
 * </ul>
 *
 * Both channels must be on the same event loop (the outbound connector guarantees that), so a
 * tunnel's state is touched by one thread only.
 */
public final class CopyRelay implements Relay {
  private static final Logger log = LoggerFactory.getLogger(CopyRelay.class);

  /** Per direction at most ~128 KiB wait in user space before the reading side is paused. */
  public static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(32 * 1024, 128 * 1024);

  /**
   * Consecutive reads that filled Netty's read buffer after which a direction counts as streaming
   * and the tunnel moves to the socket relay ({@code relay: auto}). Netty's adaptive buffer starts
   * at 2 KiB and grows to 64 KiB on full reads, so about 160 KiB of back-to-back bytes.
   */
  public static final int FULL_READS_TO_PROMOTE = 4;

  /**
   * Where a tunnel goes once one of its directions streams: the socket relay, with {@code relay:
   * auto}.
   */
  interface Promotion {
    /** Whether this tunnel could move at all (plain TCP on epoll, no TLS or GSS-API layer). */
    boolean accepts(Channel client, Channel upstream);

    /**
     * Takes the tunnel over from the copy relay, whose handlers are gone from both pipelines.
     *
     * @param end the tunnel's end, already counting the bytes the copy relay moved
     * @param streaming the direction that streams
     */
    void promote(
        Channel client,
        Channel upstream,
        String protocol,
        TunnelEnd end,
        TunnelObserver.Direction streaming);
  }

  private final Duration idleTimeout;
  private final ProxyMetrics metrics;
  private final Promotion promotion; // null: tunnels stay here
  private final AtomicInteger activeTunnels = new AtomicInteger();

  CopyRelay(Duration idleTimeout, ProxyMetrics metrics, Promotion promotion) {
    this.idleTimeout = idleTimeout;
    this.metrics = metrics;
    this.promotion = promotion;
  }

  @Override
  public void start(Channel client, Channel upstream, String protocol, TunnelEnd end) {
    if (client.eventLoop() != upstream.eventLoop()) {
      log.error("relay needs both channels on one event loop: {} and {}", client, upstream);
      client.close();
      upstream.close();
      return;
    }
    if (!client.eventLoop().inEventLoop()) {
      client.eventLoop().execute(() -> start(client, upstream, protocol, end));
      return;
    }
    new Tunnel(client, upstream, protocol, end).open();
  }

  int activeTunnels() {
    return activeTunnels.get();
  }

  /** One client connection and its upstream, from relay start to close. */
  private final class Tunnel {
    private final Channel client;
    private final Channel upstream;
    private final String protocol;
    private final TunnelEnd end;
    private final Direction clientToUpstream;
    private final Direction upstreamToClient;
    private boolean promotable;
    private boolean closed;

    Tunnel(Channel client, Channel upstream, String protocol, TunnelEnd end) {
      this.client = client;
      this.upstream = upstream;
      this.protocol = protocol;
      this.end = end;
      this.clientToUpstream = new Direction(this, client, upstream, "upstream");
      this.upstreamToClient = new Direction(this, upstream, client, "downstream");
      clientToUpstream.reverse = upstreamToClient;
      upstreamToClient.reverse = clientToUpstream;
    }

    void open() {
      activeTunnels.incrementAndGet();
      metrics.tunnelOpened(protocol, ProxyMetrics.COPY);
      for (Channel channel : new Channel[] {client, upstream}) {
        channel.config().setAutoRead(false);
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        channel.config().setWriteBufferWaterMark(WATER_MARK);
      }
      client
          .pipeline()
          .addLast(
              Relay.IDLE_TIMEOUT,
              new IdleStateHandler(false, 0, 0, idleTimeout.toNanos(), TimeUnit.NANOSECONDS));
      client.pipeline().addLast(Relay.HANDLER, clientToUpstream);
      upstream.pipeline().addLast(Relay.HANDLER, upstreamToClient);
      promotable = promotion != null && promotion.accepts(client, upstream);
      ChannelFutureListener closeBoth = closedOne -> close(TunnelEnding.CLOSED);
      client.closeFuture().addListener(closeBoth);
      upstream.closeFuture().addListener(closeBoth);
      if (!closed) {
        clientToUpstream.requestRead();
        upstreamToClient.requestRead();
      }
    }

    void closeIfBothDirectionsDone() {
      if (clientToUpstream.finished && upstreamToClient.finished) {
        close(TunnelEnding.FINISHED);
      }
    }

    /**
     * A direction streams: hand the tunnel to the socket relay, unless a side already sent its FIN
     * (a half-closed tunnel finishes here). Everything read so far has been written to Netty; the
     * handover flushes it before it takes the sockets.
     */
    void promote(Direction streaming) {
      if (closed || clientToUpstream.inputShutdown || upstreamToClient.inputShutdown) {
        promotable = false;
        return;
      }
      closed = true; // from here the socket relay owns both channels
      activeTunnels.decrementAndGet();
      metrics.tunnelClosed(protocol, ProxyMetrics.COPY);
      clientToUpstream.reportBytes();
      upstreamToClient.reportBytes();
      client.pipeline().remove(Relay.IDLE_TIMEOUT);
      client.pipeline().remove(clientToUpstream);
      upstream.pipeline().remove(upstreamToClient);
      long copiedUp = clientToUpstream.total;
      long copiedDown = upstreamToClient.total;
      log.debug(
          "{}: the {} direction streams; moving the tunnel off copy", client, streaming.label);
      promotion.promote(
          client,
          upstream,
          protocol,
          (relay, up, down, ending) -> end.ended(relay, copiedUp + up, copiedDown + down, ending),
          streaming == clientToUpstream
              ? TunnelObserver.Direction.UPSTREAM
              : TunnelObserver.Direction.DOWNSTREAM);
    }

    /** One side failed: reset the other rather than let it see an orderly end. */
    void abort(Channel failed) {
      Channel survivor = failed == client ? upstream : client;
      if (!closed && survivor.isActive()) {
        survivor.config().setOption(ChannelOption.SO_LINGER, 0);
      }
      close(TunnelEnding.RESET);
    }

    void close(TunnelEnding ending) {
      if (closed) {
        return;
      }
      closed = true;
      activeTunnels.decrementAndGet();
      metrics.tunnelClosed(protocol, ProxyMetrics.COPY);
      clientToUpstream.reportBytes();
      upstreamToClient.reportBytes();
      end.ended(ProxyMetrics.COPY, clientToUpstream.total, upstreamToClient.total, ending);
      client.close();
      upstream.close();
    }
  }

  /** Reads {@code source} and writes to {@code sink}; installed on the source's pipeline. */
  private final class Direction extends ChannelInboundHandlerAdapter {
    private final Tunnel tunnel;
    private final Channel source;
    private final Channel sink;
    private final String label;
    private Direction reverse;
    private boolean paused;
    private boolean inputShutdown;
    private boolean finished;
    private long unreportedBytes;
    private long total;
    private int fullReads;

    Direction(Tunnel tunnel, Channel source, Channel sink, String label) {
      this.tunnel = tunnel;
      this.source = source;
      this.sink = sink;
      this.label = label;
    }

    void requestRead() {
      if (!inputShutdown && !tunnel.closed) {
        source.read();
      }
    }

    /** The reverse direction's sink is our source: it drained, so read on. */
    void resumeReading() {
      if (paused) {
        paused = false;
        requestRead();
      }
    }

    void stopReading() {
      paused = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (tunnel.closed || !(msg instanceof ByteBuf data)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      unreportedBytes += data.readableBytes();
      if (tunnel.promotable) {
        // Netty reads into a buffer of its current guess: none left over means the read was full.
        fullReads = data.isWritable() ? 0 : fullReads + 1;
      }
      sink.write(data, sink.voidPromise()); // a failed write fires exceptionCaught on the sink
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      reportBytes();
      sink.flush();
      if (tunnel.promotable && fullReads >= FULL_READS_TO_PROMOTE) {
        tunnel.promote(this);
        if (tunnel.closed) {
          return;
        }
      }
      if (sink.isWritable()) {
        requestRead();
      } else {
        stopReading();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        reverse.resumeReading();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent
          || event instanceof SslCloseCompletionEvent closed && closed.isSuccess()) {
        onInputShutdown();
      } else if (event instanceof IdleStateEvent) {
        log.debug("{}: tunnel idle for {}, closing", source, idleTimeout);
        tunnel.close(TunnelEnding.IDLE_TIMEOUT);
      } else {
        ctx.fireUserEventTriggered(event);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        log.debug("{}: {} side failed, aborting the tunnel: {}", source, label, cause.toString());
      } else {
        log.warn("{}: unexpected error in the relay, aborting the tunnel", source, cause);
      }
      tunnel.abort(source);
    }

    /** The source sent FIN: pass it on once everything before it has been written. */
    private void onInputShutdown() {
      if (inputShutdown || tunnel.closed) {
        return;
      }
      inputShutdown = true;
      reportBytes();
      sink.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(
              (ChannelFuture written) -> {
                if (!written.isSuccess() || tunnel.closed) {
                  return; // the failure reached exceptionCaught, or the tunnel is gone anyway
                }
                if (!(sink instanceof DuplexChannel duplex)) {
                  tunnel.close(TunnelEnding.FINISHED);
                  return;
                }
                SslHandler tls = sink.pipeline().get(SslHandler.class);
                (tls == null ? duplex.newSucceededFuture() : tls.closeOutbound())
                    .addListener(
                        (ChannelFuture notified) -> {
                          if (!notified.isSuccess() || tunnel.closed) {
                            tunnel.close(TunnelEnding.RESET);
                            return;
                          }
                          shutdownOutput(duplex);
                        });
              });
    }

    private void shutdownOutput(DuplexChannel duplex) {
      duplex
          .shutdownOutput()
          .addListener(
              shut -> {
                if (shut.isSuccess()) {
                  finished = true;
                  tunnel.closeIfBothDirectionsDone();
                } else {
                  tunnel.close(TunnelEnding.RESET);
                }
              });
    }

    private void reportBytes() {
      if (unreportedBytes > 0) {
        total += unreportedBytes;
        metrics.bytesRelayed(tunnel.protocol, ProxyMetrics.COPY, label, unreportedBytes);
        unreportedBytes = 0;
      }
    }
  }
}
