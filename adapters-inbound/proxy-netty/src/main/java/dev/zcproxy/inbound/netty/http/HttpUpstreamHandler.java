package dev.zcproxy.inbound.netty.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream connection used for forwarding. It serves one exchange at a time,
 * passing the decoded response to it; between exchanges the connection is parked in the {@link
 * HttpUpstreamPool}, where anything it reads or a close means it can no longer be trusted.
 *
 * <p>Each exchange gets a fresh HTTP codec, and a parked connection has none: bytes an origin sends
 * between responses then reach this handler raw and evict the connection, instead of lying in a
 * decoder's buffer to corrupt the next response.
 */
final class HttpUpstreamHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HttpUpstreamHandler.class);

  static final int MAX_STATUS_LINE = 8 * 1024;
  static final int MAX_HEADER_BYTES = 32 * 1024;

  private HttpForwardExchange exchange;
  private Runnable onParkedLoss;

  /** Readies a connection (new or from the pool) for {@code exchange}. */
  static void serve(Channel upstream, HttpForwardExchange exchange) {
    ChannelPipeline pipeline = upstream.pipeline();
    HttpUpstreamHandler handler = pipeline.get(HttpUpstreamHandler.class);
    if (handler == null) {
      // A FIN from the origin must end the connection, which is how close-delimited bodies end.
      upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
      handler = new HttpUpstreamHandler();
      pipeline.addLast(HttpUpstreamPool.UPSTREAM_HANDLER, handler);
    }
    pipeline.addBefore(HttpUpstreamPool.UPSTREAM_HANDLER, HttpUpstreamPool.CLIENT_CODEC, codec());
    handler.exchange = exchange;
    handler.onParkedLoss = null;
  }

  /**
   * The exchange is over and the connection goes idle: drop the codec, and from now on report any
   * read, close or error through {@code onLoss}.
   */
  static void park(Channel upstream, Runnable onLoss) {
    HttpUpstreamHandler handler = upstream.pipeline().get(HttpUpstreamHandler.class);
    handler.exchange = null;
    handler.onParkedLoss = onLoss;
    upstream.pipeline().remove(HttpUpstreamPool.CLIENT_CODEC);
  }

  /** The exchange lets go of a connection it is closing: late events no longer reach it. */
  static void detach(Channel upstream) {
    HttpUpstreamHandler handler = upstream.pipeline().get(HttpUpstreamHandler.class);
    if (handler != null) {
      handler.exchange = null;
      handler.onParkedLoss = null;
    }
  }

  private static HttpClientCodec codec() {
    return new HttpClientCodec(
        new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_STATUS_LINE)
            .setMaxHeaderSize(MAX_HEADER_BYTES)
            .setMaxChunkSize(HttpLimits.MAX_CONTENT_PIECE)
            .setValidateHeaders(true),
        false,
        false);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange != null) {
      exchange.onUpstreamMessage(msg);
    } else {
      ReferenceCountUtil.release(msg);
      lost(ctx, "unexpected bytes while idle");
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.onUpstreamReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && ctx.channel().isWritable()) {
      exchange.onUpstreamWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.onUpstreamClosed(null);
    } else {
      lost(ctx, "closed while idle");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      log.warn("{}: unexpected error on an upstream HTTP connection", ctx.channel(), cause);
    }
    if (exchange != null) {
      exchange.onUpstreamClosed(cause);
    } else {
      lost(ctx, cause.toString());
    }
    ctx.close();
  }

  private void lost(ChannelHandlerContext ctx, String why) {
    if (onParkedLoss != null) {
      log.debug("{}: idle upstream connection dropped: {}", ctx.channel(), why);
      Runnable loss = onParkedLoss;
      onParkedLoss = null;
      loss.run();
    }
    ctx.close();
  }
}
