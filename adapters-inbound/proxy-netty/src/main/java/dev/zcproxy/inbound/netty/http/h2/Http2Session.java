package dev.zcproxy.inbound.netty.http.h2;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.server.Drain;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in an HTTP/2 client connection's pipeline, behind the multiplexer: what the connection's
 * streams share (the users admitted on it, the last credentials that passed), and the end of the
 * line for connection-level frames (SETTINGS, PING, GOAWAY: the codec has answered them already),
 * idleness and errors. Touched only on the connection's event loop, where its streams live too.
 */
final class Http2Session extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http2Session.class);

  private final ProxyContext context;
  private final Set<Principal> admittedUsers = new HashSet<>();
  private final Set<Http2StreamChannel> streams = new HashSet<>();
  private String acceptedAuthorization;
  private Principal acceptedPrincipal;

  Http2Session(ProxyContext context) {
    this.context = context;
  }

  /** The principal of {@code authorization} if it passed before on this connection, else null. */
  Principal remembered(String authorization) {
    return authorization.equals(acceptedAuthorization) ? acceptedPrincipal : null;
  }

  void remember(String authorization, Principal principal) {
    acceptedAuthorization = authorization;
    acceptedPrincipal = principal;
  }

  /**
   * Counts the connection against the user's limit once, like an HTTP/1.1 keep-alive connection.
   * Returns false when the user is at the limit.
   */
  boolean admit(io.netty.channel.Channel connection, Principal principal) {
    if (admittedUsers.contains(principal)) {
      return true;
    }
    if (!context.limits().admitUser(connection, principal)) {
      return false;
    }
    admittedUsers.add(principal);
    return true;
  }

  /**
   * Keeps {@code stream} until it closes. A stream whose handler is not reading keeps the frames
   * that arrived meanwhile, and Netty closes such a stream only once they are read; so when the
   * connection goes, {@link #channelInactive} closes every stream still open, which releases them.
   */
  void track(Http2StreamChannel stream) {
    streams.add(stream);
    stream.closeFuture().addListener(closed -> streams.remove(stream));
  }

  /** Streams open on this connection. */
  int openStreams() {
    return streams.size();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (Http2StreamChannel stream : List.copyOf(streams)) {
      stream.close();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      log.debug(
          "{}: HTTP/2 connection idle for {}, closing",
          ctx.channel(),
          context.settings().timeouts().idle());
      ctx.close();
      return;
    }
    if (event instanceof Drain drain) {
      goAway(ctx, drain.within());
      return;
    }
    ReferenceCountUtil.release(event);
  }

  /**
   * Graceful shutdown of this connection (RFC 9113 §6.8): GOAWAY with the last stream the proxy
   * will serve, then the connection closes once its open streams have finished, or after {@code
   * drain}.
   */
  private static void goAway(ChannelHandlerContext ctx, Duration drain) {
    Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
    if (codec != null && ctx.channel().isActive()) {
      codec.gracefulShutdownTimeoutMillis(drain.toMillis());
      ctx.channel().close(); // the codec sends GOAWAY and waits for the streams
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
      // A connection error (Rapid Reset, a flood, a protocol violation): the codec tells this
      // handler first, then sends GOAWAY with the error's code and closes. Closing here would
      // send GOAWAY(NO_ERROR) before it.
      log.debug("{}: HTTP/2 connection error: {}", ctx.channel(), cause.toString());
      return;
    }
    if (cause instanceof IOException) {
      log.debug("{}: HTTP/2 client connection failed: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error on an HTTP/2 client connection", ctx.channel(), cause);
    }
    ctx.close();
  }
}
