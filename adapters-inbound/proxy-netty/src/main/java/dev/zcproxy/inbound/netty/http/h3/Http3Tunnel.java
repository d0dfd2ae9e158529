package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.CopyRelay;
import dev.zcproxy.inbound.netty.relay.Relay;
import dev.zcproxy.inbound.netty.relay.TunnelEnd;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copy relay of one HTTP/3 CONNECT stream and its upstream TCP connection (RFC 9114 §4.4: the
 * tunnel's bytes travel in DATA frames). Streams share the QUIC connection, so a tunnel over HTTP/3
 * is never offered to a socket relay.
 *
 * <ul>
 *   <li>Client to upstream: DATA frames' buffers are written upstream as they are, and the stream
 *       is read only while the upstream is writable; unread, the stream's QUIC flow-control window
 *       is not extended, so a slow upstream makes the client stop, and the proxy holds at most one
 *       window ({@code INITIAL_MAX_STREAM_DATA}) per stream.
 *   <li>Upstream to client: the upstream is read only while the stream is writable, which Netty
 *       ties to the stream's and the connection's send windows.
 *   <li>The client's FIN is a FIN upstream ({@code shutdownOutput}); the upstream's FIN is the
 *       stream's FIN. The upstream is closed when both directions have ended.
 *   <li>A stream reset by the client (or the QUIC connection going away) resets the upstream
 *       (SO_LINGER 0); an upstream reset or error resets the stream (H3_REQUEST_CANCELLED, by
 *       closing it).
 * </ul>
 *
 * Both channels are on the QUIC connection's event loop.
 */
final class Http3Tunnel {
  private static final Logger log = LoggerFactory.getLogger(Http3Tunnel.class);

  private enum State {
    OPEN,
    CLOSED
  }

  private final QuicStreamChannel stream;
  private final Channel upstream;
  private final ProxyMetrics metrics;
  private final Runnable countOut;
  private final Http3Session session;
  private final StreamSide streamSide = new StreamSide();
  private final UpstreamSide upstreamSide = new UpstreamSide();
  private State state = State.OPEN;
  private boolean toUpstreamEnded;
  private boolean toClientEnded;
  private boolean streamPaused;
  private boolean upstreamPaused;
  private ChannelFuture lastToClient;
  private final TunnelEnd end;
  private TunnelEnding ending = TunnelEnding.CLOSED;
  private long bytesUp;
  private long bytesDown;

  Http3Tunnel(
      QuicStreamChannel stream,
      Channel upstream,
      ProxyMetrics metrics,
      Runnable countOut,
      Http3Session session,
      TunnelEnd end) {
    this.end = end;
    this.stream = stream;
    this.upstream = upstream;
    this.metrics = metrics;
    this.countOut = countOut;
    this.session = session;
  }

  /** The handler for the stream's pipeline; the caller puts it there before {@link #open}. */
  ChannelInboundHandlerAdapter streamSide() {
    return streamSide;
  }

  /**
   * Answers the CONNECT with 200 and starts relaying.
   *
   * @param early frames the client sent before the tunnel was up; this takes them
   * @param clientEnded whether the client has sent its FIN already
   */
  void open(ArrayDeque<Object> early, boolean clientEnded) {
    metrics.tunnelOpened(Http3FrontEnd.PROTOCOL, ProxyMetrics.COPY);
    stream.writeAndFlush(new DefaultHttp3HeadersFrame(new DefaultHttp3Headers().status("200")));
    upstream.config().setAutoRead(false);
    upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    upstream.config().setWriteBufferWaterMark(CopyRelay.WATER_MARK);
    upstream.pipeline().addLast(Relay.HANDLER, upstreamSide);
    stream.closeFuture().addListener(closed -> streamClosed());
    upstream.closeFuture().addListener(closed -> upstreamClosed());
    for (Object msg; (msg = early.poll()) != null; ) {
      streamSide.relay(msg);
    }
    streamSide.reportBytes();
    upstream.flush();
    if (clientEnded) {
      endToUpstream();
    } else {
      stream.read();
    }
    upstream.read();
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
    // FIN once the last DATA has reached QUIC: a shutdown now would overtake writes still queued
    Http3Fin.after(lastToClient, stream, null);
    closeIfBothEnded();
  }

  private void closeIfBothEnded() {
    if (toUpstreamEnded && toClientEnded) {
      ending = TunnelEnding.FINISHED;
      finish();
      upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void streamClosed() {
    if (state == State.CLOSED) {
      return;
    }
    finish();
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
      stream.close(); // a reset (Http3StreamReset): not to be mistaken for a complete answer
    }
  }

  private void finish() {
    if (state == State.OPEN) {
      state = State.CLOSED;
      metrics.tunnelClosed(Http3FrontEnd.PROTOCOL, ProxyMetrics.COPY);
      countOut.run();
      end.ended(ProxyMetrics.COPY, bytesUp, bytesDown, ending);
    }
  }

  /** On the stream's pipeline: DATA to the upstream, paced by the upstream's writability. */
  private final class StreamSide extends ChannelInboundHandlerAdapter {
    private long unreportedBytes;

    void relay(Object msg) {
      if (state == State.CLOSED || toUpstreamEnded || !(msg instanceof Http3DataFrame data)) {
        ReferenceCountUtil.release(msg); // HEADERS after the request (trailers) carry nothing here
        return;
      }
      ByteBuf content = data.content();
      if (content.isReadable()) {
        unreportedBytes += content.readableBytes();
        bytesUp += content.readableBytes();
        upstream.write(content, upstream.voidPromise());
      } else {
        content.release();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      relay(msg);
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

    void reportBytes() {
      if (unreportedBytes > 0) {
        metrics.bytesRelayed(
            Http3FrontEnd.PROTOCOL, ProxyMetrics.COPY, "upstream", unreportedBytes);
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
      if (event instanceof ChannelInputShutdownEvent) {
        reportBytes();
        endToUpstream();
      } else if (event instanceof IdleStateEvent) {
        log.debug("{}: tunnel stream idle, closing", stream);
        ending = TunnelEnding.IDLE_TIMEOUT;
        stream.close(); // streamClosed resets the upstream
      }
      ReferenceCountUtil.release(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof io.netty.handler.codec.quic.QuicStreamResetException reset) {
        log.debug(
            "{}: client reset the tunnel stream: {}", stream, reset.applicationProtocolCode());
        session.streamCancelled();
      } else if (Http3Failures.expected(cause)) {
        log.debug("{}: HTTP/3 tunnel stream failed: {}", stream, cause.toString());
      } else {
        log.warn("{}: unexpected error on an HTTP/3 tunnel stream", stream, cause);
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
      lastToClient = stream.write(new DefaultHttp3DataFrame(data));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (unreportedBytes > 0) {
        metrics.bytesRelayed(
            Http3FrontEnd.PROTOCOL, ProxyMetrics.COPY, "downstream", unreportedBytes);
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
        log.debug("{}: upstream of an HTTP/3 tunnel failed: {}", upstream, cause.toString());
      } else {
        log.warn("{}: unexpected error on an HTTP/3 tunnel's upstream", upstream, cause);
      }
      ending = TunnelEnding.RESET;
      upstream.close(); // upstreamClosed resets the stream
    }
  }
}
