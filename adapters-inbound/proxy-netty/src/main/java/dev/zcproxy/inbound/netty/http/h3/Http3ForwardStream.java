package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.http.HttpForwardClient;
import dev.zcproxy.inbound.netty.http.HttpForwardExchange;
import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.http.HttpProxyRequest;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/3 request stream forwarding an {@code http://} request (RFC 9114 §4.3.1) to its origin
 * over HTTP/1.1, once {@link Http3RequestStream} has checked and authenticated it: the same {@link
 * HttpForwardExchange}, upstream pool, {@code Via} and loop detection as HTTP/1.1 and HTTP/2. This
 * handler translates for it:
 *
 * <ul>
 *   <li>Request body: DATA frames become {@link HttpContent}s, the stream's FIN (or trailers) the
 *       last one. The stream is read only while the exchange wants more, so QUIC's flow control
 *       holds the client back.
 *   <li>Response: the exchange writes HTTP/1.1 objects to the stream channel, and {@link #write}
 *       turns them into HEADERS and DATA frames (connection-specific fields dropped, interim 1xx
 *       responses passed on as HEADERS), then FIN.
 *   <li>Failure: before the response head the client gets the proxy's own response (502, 504, 403
 *       naming the rule...); after it, a reset, never a body cut short that looks complete.
 * </ul>
 */
final class Http3ForwardStream extends ChannelDuplexHandler implements HttpForwardClient {
  private static final Logger log = LoggerFactory.getLogger(Http3ForwardStream.class);

  private final ProxyContext context;
  private final HttpForwarding frontEnd;
  private final Principal principal;
  private final HttpProxyRequest request;
  private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
  private final ArrayDeque<Object> early;
  private final Runnable countOut;
  private final boolean headRequest;

  /** The client's FIN came before the hand-over: it ends the body after the early frames. */
  private final boolean endsWithEarly;

  private ChannelHandlerContext ctx;
  private HttpForwardExchange exchange;
  private boolean clientEnded;
  private boolean done;
  private Http3Headers heldHead;
  private boolean interim;

  /**
   * @param clientEnded whether the client has sent its FIN already
   * @param early frames the stream read while the request was authenticated; this takes them
   * @param countOut run once when the exchange is over, for {@link Http3FrontEnd#activeStreams}
   */
  Http3ForwardStream(
      ProxyContext context,
      HttpForwarding frontEnd,
      Principal principal,
      HttpProxyRequest request,
      boolean clientEnded,
      ArrayDeque<Object> early,
      Runnable countOut) {
    this.context = context;
    this.frontEnd = frontEnd;
    this.principal = principal;
    this.request = request;
    this.headRequest = HttpMethod.HEAD.equals(request.head().method());
    this.early = early;
    this.countOut = countOut;
    this.endsWithEarly = clientEnded;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    for (Object frame; (frame = early.poll()) != null; ) {
      take(frame);
    }
    if (endsWithEarly) {
      end(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER));
    }
  }

  /** Starts the exchange; the caller has put this handler in the stream's pipeline. */
  void start() {
    exchange =
        new HttpForwardExchange(
            this,
            ctx.channel(),
            context,
            frontEnd,
            principal,
            request,
            Http3FrontEnd.HTTP_3,
            Http3FrontEnd.PROTOCOL);
    exchange.start();
  }

  // --- the request body ---

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    take(msg);
    drain();
  }

  private void take(Object frame) {
    if (clientEnded || done) {
      ReferenceCountUtil.release(frame);
      return;
    }
    switch (frame) {
      case Http3DataFrame data -> pending.add(new DefaultHttpContent(data.content()));
      case Http3HeadersFrame trailers -> {
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        for (Map.Entry<CharSequence, CharSequence> field : trailers.headers()) {
          if (!field.getKey().isEmpty() && field.getKey().charAt(0) != ':') {
            last.trailingHeaders().add(field.getKey(), field.getValue());
          }
        }
        end(last);
      }
      default -> ReferenceCountUtil.release(frame);
    }
  }

  private void end(LastHttpContent last) {
    if (clientEnded) {
      last.release();
      return;
    }
    clientEnded = true;
    pending.add(last);
  }

  private void drain() {
    while (!pending.isEmpty() && exchange != null && exchange.acceptsRequestBody()) {
      exchange.sendRequestBody(pending.poll());
    }
  }

  private void readIfWanted() {
    if (pending.isEmpty()
        && !clientEnded
        && !done
        && exchange != null
        && exchange.wantsRequestBody()) {
      ctx.read();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.flushRequestBody();
    }
    readIfWanted();
  }

  @Override
  public void exchangeReady() {
    drain();
    readIfWanted();
  }

  @Override
  public void requestBodyWanted() {
    drain();
    readIfWanted();
  }

  // --- the response ---

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof HttpObject)) {
      ctx.write(msg, promise);
      return;
    }
    if (msg instanceof HttpResponse response) {
      Http3Headers headers = toHttp3(HttpConversionUtil.toHttp2Headers(response, false));
      if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        interim = true;
        ctx.write(new DefaultHttp3HeadersFrame(headers), ctx.voidPromise());
      } else {
        heldHead = headers;
      }
    }
    if (msg instanceof HttpContent content) {
      writeContent(content, promise);
    } else {
      promise.trySuccess();
    }
  }

  private static Http3Headers toHttp3(Headers<CharSequence, CharSequence, ?> fields) {
    Http3Headers headers = new DefaultHttp3Headers();
    for (Map.Entry<CharSequence, CharSequence> field : fields) {
      headers.add(field.getKey(), field.getValue());
    }
    return headers;
  }

  private void writeContent(HttpContent content, ChannelPromise promise) {
    boolean last = content instanceof LastHttpContent;
    if (interim) {
      interim = !last;
      content.release();
      promise.trySuccess();
      return;
    }
    if (heldHead != null) {
      ctx.write(new DefaultHttp3HeadersFrame(heldHead), ctx.voidPromise());
      heldHead = null;
    }
    ByteBuf data = content.content();
    ChannelFuture written = null;
    if (data.isReadable()) {
      written = ctx.write(new DefaultHttp3DataFrame(data));
    } else {
      data.release();
    }
    if (last) {
      HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
      if (!trailers.isEmpty()) {
        written =
            ctx.write(
                new DefaultHttp3HeadersFrame(
                    toHttp3(HttpConversionUtil.toHttp2Headers(trailers, false))));
      }
      ctx.flush();
      // FIN once the last frame has reached QUIC: the response is complete
      QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
      Http3Fin.after(written, stream, null);
    }
    promise.trySuccess();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && ctx.channel().isWritable()) {
      exchange.onClientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  // --- the end ---

  @Override
  public void exchangeCompleted(boolean keepAlive) {
    finish();
    if (!clientEnded && ctx.channel().isActive()) {
      // the origin answered before the whole request: the response is complete, the request not
      ((QuicStreamChannel) ctx.channel())
          .shutdownInput(io.netty.handler.codec.http3.Http3ErrorCode.H3_NO_ERROR.code());
    }
  }

  @Override
  public void exchangeFailed(HttpRejection rejection) {
    finish();
    context.metrics().connectionRejected(Http3FrontEnd.PROTOCOL, rejection.label());
    log.debug("{}: refused with {}: {}", ctx.channel(), rejection.status(), rejection.getMessage());
    Http3Responses.refuse((QuicStreamChannel) ctx.channel(), rejection, headRequest, clientEnded);
  }

  @Override
  public void exchangeAborted() {
    finish();
    ctx.channel().close(); // a reset: the response stops short
  }

  private void finish() {
    countOut.run();
    done = true;
    exchange = null;
    releasePending();
    ctx.channel().config().setAutoRead(true); // read on, dropping what comes
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      end(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER));
      drain();
    } else if (event instanceof IdleStateEvent) {
      if (exchange != null) {
        exchange.onIdle(context.settings().timeouts().streamIdle()); // 504, or a reset
      } else {
        ctx.close();
      }
    }
    ReferenceCountUtil.release(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.abort();
    }
    if (!done) {
      finish();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    for (Object frame; (frame = early.poll()) != null; ) {
      ReferenceCountUtil.release(frame);
    }
    releasePending();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (Http3Failures.expected(cause)) {
      log.debug("{}: HTTP/3 forwarding stream failed: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error on an HTTP/3 forwarding stream", ctx.channel(), cause);
    }
    ctx.close();
  }

  private void releasePending() {
    for (HttpContent piece; (piece = pending.poll()) != null; ) {
      piece.release();
    }
  }
}
