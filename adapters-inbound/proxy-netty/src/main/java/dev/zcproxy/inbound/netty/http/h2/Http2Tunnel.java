package dev.zcproxy.inbound.netty.http.h2;

import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.CopyRelay;
import dev.zcproxy.inbound.netty.relay.Relay;
import dev.zcproxy.inbound.netty.relay.TunnelEnd;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copy relay of one HTTP/2 CONNECT stream and its upstream TCP connection. Streams share the
 * client connection, so a tunnel over HTTP/2 is never offered to a socket relay.
 *
 * <ul>
 *   <li>Client to upstream: DATA frames' buffers are written upstream as they are, and each frame's
 *       window credit goes back to the client (WINDOW_UPDATE) only once the upstream socket has
 *       taken its bytes ({@link Http2FlowCredit}): a slow upstream makes the client stop when its
 *       window runs out, and the proxy holds at most one window per stream. The stream is also read
 *       only while the upstream is writable.
 *   <li>Upstream to client: the upstream is read only while the stream is writable, which Netty
 *       ties to the stream's and the connection's send windows and to the client socket's
 *       writability.
 *   <li>END_STREAM from the client is a FIN upstream ({@code shutdownOutput}); a FIN from the
 *       upstream is an empty DATA frame with END_STREAM. The upstream is closed when both
 *       directions have ended.
 *   <li>RST_STREAM from the client (or the connection going away) resets the upstream (SO_LINGER
 *       0); an upstream reset or error resets the stream (RST_STREAM CANCEL).
 * </ul>
 *
 * Both channels are on the client connection's event loop.
 */
final class Http2Tunnel {
  private static final Logger log = LoggerFactory.getLogger(Http2Tunnel.class);

  enum State {
    OPEN,
    CLOSED
  }

  private final Http2StreamChannel stream;
  private final Channel upstream;
  private final ProxyMetrics metrics;
  private final Runnable countOut;
  private final StreamSide streamSide = new StreamSide();
  private final UpstreamSide upstreamSide = new UpstreamSide();
  private State state = State.OPEN;
  private boolean toUpstreamEnded;
  private boolean toClientEnded;
  private boolean streamPaused;
  private boolean upstreamPaused;
  private final TunnelEnd end;
  private TunnelEnding ending = TunnelEnding.CLOSED;
  private long bytesUp;
  private long bytesDown;

  /**
   * @param countOut run once when the tunnel closes, for {@link Http2FrontEnd#activeStreams}
   * @param end told once when the tunnel closes, with its bytes each way
   */
  Http2Tunnel(
      Http2StreamChannel stream,
      Channel upstream,
      ProxyMetrics metrics,
      Runnable countOut,
      TunnelEnd end) {
    this.countOut = countOut;
    this.end = end;
    this.stream = stream;
    this.upstream = upstream;
    this.metrics = metrics;
  }

  /** The handler for the stream's pipeline; the caller puts it there before {@link #open}. */
  ChannelInboundHandlerAdapter streamSide() {
    return streamSide;
  }

  /**
   * Starts relaying.
   *
   * @param early DATA the client sent before the tunnel was up, or null; this takes it
   * @param earlyCredit the flow-control window the early frames took, returned once they are out
   * @param clientEnded whether the client has sent END_STREAM already
   */
  void open(ByteBuf early, int earlyCredit, boolean clientEnded) {
    metrics.tunnelOpened(Http2FrontEnd.PROTOCOL, ProxyMetrics.COPY);
    upstream.config().setAutoRead(false);
    upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    upstream.config().setWriteBufferWaterMark(CopyRelay.WATER_MARK);
    upstream.pipeline().addLast(Relay.HANDLER, upstreamSide);
    stream.closeFuture().addListener(closed -> streamClosed());
    upstream.closeFuture().addListener(closed -> upstreamClosed());
    if (early != null) {
      bytesUp += early.readableBytes();
      metrics.bytesRelayed(
          Http2FrontEnd.PROTOCOL, ProxyMetrics.COPY, "upstream", early.readableBytes());
      upstream.writeAndFlush(early).addListener(written -> giveCredit(earlyCredit));
    } else {
      giveCredit(earlyCredit);
    }
    if (clientEnded) {
      endToUpstream();
    } else {
      stream.read();
    }
    upstream.read();
  }

  private void giveCredit(int bytes) {
    Http2FlowCredit.give(stream, bytes);
  }

  private void endToUpstream() {
    if (toUpstreamEnded) {
      return;
    }
    toUpstreamEnded = true;
    upstream
        .writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            written -> {
              if (written.isSuccess() && upstream instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
              }
            });
    closeIfBothEnded();
  }

  private void endToClient() {
    if (toClientEnded) {
      return;
    }
    toClientEnded = true;
    if (toUpstreamEnded) {
      // the END_STREAM may close the stream at once, before closeIfBothEnded: this is a clean end
      ending = TunnelEnding.FINISHED;
    }
    stream.writeAndFlush(new DefaultHttp2DataFrame(true));
    closeIfBothEnded();
  }

  /** Both directions ended cleanly: the stream closes by itself once its END_STREAM is out. */
  private void closeIfBothEnded() {
    if (toUpstreamEnded && toClientEnded) {
      ending = TunnelEnding.FINISHED;
      finish();
      // behind the FIN, so nothing queued for the upstream is cut off
      upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void streamClosed() {
    if (state == State.CLOSED) {
      return;
    }
    finish();
    // RST_STREAM, GOAWAY or the client connection gone: the upstream must not see an orderly end
    if (upstream.isActive()) {
      upstream.config().setOption(ChannelOption.SO_LINGER, 0);
    }
    upstream.close();
  }

  private void upstreamClosed() {
    if (state == State.CLOSED) {
      return;
    }
    finish();
    if (!toClientEnded) {
      stream.close(); // RST_STREAM(CANCEL): the client must not mistake this for a complete answer
    }
  }

  private void finish() {
    if (state == State.OPEN) {
      state = State.CLOSED;
      metrics.tunnelClosed(Http2FrontEnd.PROTOCOL, ProxyMetrics.COPY);
      countOut.run();
      end.ended(ProxyMetrics.COPY, bytesUp, bytesDown, ending);
    }
  }

  /** On the stream's pipeline: DATA to the upstream, paced by the upstream's writability. */
  private final class StreamSide extends ChannelInboundHandlerAdapter {
    private long unreportedBytes;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      int credit = Http2FlowCredit.of(msg);
      if (state == State.CLOSED || toUpstreamEnded) {
        ReferenceCountUtil.release(msg);
        giveCredit(credit);
        return;
      }
      if (msg instanceof Http2DataFrame data) {
        boolean end = data.isEndStream();
        ByteBuf content = data.content();
        if (content.isReadable()) {
          unreportedBytes += content.readableBytes();
          bytesUp += content.readableBytes();
          upstream.write(content).addListener(written -> giveCredit(credit));
        } else {
          content.release();
          giveCredit(credit);
        }
        if (end) {
          reportBytes();
          endToUpstream();
        }
      } else {
        if (msg instanceof Http2HeadersFrame trailers && trailers.isEndStream()) {
          endToUpstream();
        }
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      reportBytes();
      upstream.flush();
      if (state == State.CLOSED || toUpstreamEnded) {
        return;
      }
      if (upstream.isWritable()) {
        stream.read();
      } else {
        streamPaused = true; // resumed by the upstream's channelWritabilityChanged
      }
    }

    private void reportBytes() {
      if (unreportedBytes > 0) {
        metrics.bytesRelayed(
            Http2FrontEnd.PROTOCOL, ProxyMetrics.COPY, "upstream", unreportedBytes);
        unreportedBytes = 0;
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (stream.isWritable() && upstreamPaused && state == State.OPEN) {
        upstreamPaused = false;
        upstream.read();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof Http2ResetFrame reset) {
        log.debug("{}: client reset the tunnel stream: {}", stream, reset.errorCode());
        ending = TunnelEnding.RESET;
        stream.close(); // streamClosed resets the upstream
      } else if (event instanceof IdleStateEvent) {
        log.debug("{}: tunnel stream idle, closing", stream);
        ending = TunnelEnding.IDLE_TIMEOUT;
        stream.close(); // RST_STREAM(CANCEL); streamClosed resets the upstream
      }
      ReferenceCountUtil.release(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        log.debug("{}: HTTP/2 tunnel stream failed: {}", stream, cause.toString());
      } else {
        log.warn("{}: unexpected error on an HTTP/2 tunnel stream", stream, cause);
      }
      ending = TunnelEnding.RESET;
      stream.close();
    }
  }

  /** On the upstream's pipeline: bytes to the stream as DATA, paced by the stream's writability. */
  private final class UpstreamSide extends ChannelInboundHandlerAdapter {
    private long unreportedBytes;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (state == State.CLOSED || toClientEnded || !(msg instanceof ByteBuf data)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      unreportedBytes += data.readableBytes();
      bytesDown += data.readableBytes();
      stream.write(new DefaultHttp2DataFrame(data), stream.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (unreportedBytes > 0) {
        metrics.bytesRelayed(
            Http2FrontEnd.PROTOCOL, ProxyMetrics.COPY, "downstream", unreportedBytes);
        unreportedBytes = 0;
      }
      stream.flush();
      if (state == State.CLOSED || toClientEnded) {
        return;
      }
      if (stream.isWritable()) {
        upstream.read();
      } else {
        upstreamPaused = true; // resumed by the stream's channelWritabilityChanged
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (upstream.isWritable() && streamPaused && state == State.OPEN && !toUpstreamEnded) {
        streamPaused = false;
        stream.read();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        stream.flush();
        endToClient();
        return;
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        log.debug("{}: upstream of an HTTP/2 tunnel failed: {}", upstream, cause.toString());
      } else {
        log.warn("{}: unexpected error on an HTTP/2 tunnel's upstream", upstream, cause);
      }
      ending = TunnelEnding.RESET;
      upstream.close(); // upstreamClosed resets the stream
    }
  }
}
