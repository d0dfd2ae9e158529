package dev.zcproxy.inbound.netty.http.h2;

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
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream forwarding an {@code http://} request (RFC 9113 §8.3) to its origin over
 * HTTP/1.1, once {@link Http2RequestStream} has checked and authenticated it. The work is the
 * HTTP/1.1 proxy's: an {@link HttpForwardExchange} resolves, authorizes, takes a pooled upstream
 * connection or opens one, and streams both bodies. This handler translates for it:
 *
 * <ul>
 *   <li>Request body: DATA frames become {@link HttpContent}s (END_STREAM, or trailers, the last
 *       one). The stream is read only while the exchange wants more, and each frame's window credit
 *       goes back to the client when the upstream has taken its bytes ({@link Http2FlowCredit}).
 *   <li>Response: the exchange writes HTTP/1.1 objects to the stream channel, and {@link #write}
 *       turns them into HEADERS and DATA frames (connection-specific fields dropped, interim 1xx
 *       responses passed on as HEADERS). The exchange reads the upstream only while the stream is
 *       writable, which Netty ties to the client's flow-control windows.
 *   <li>Failure: before the response head the client gets the proxy's own response (502, 504, 403
 *       naming the rule...); after it, RST_STREAM(CANCEL), never a body cut short that looks
 *       complete.
 * </ul>
 */
final class Http2ForwardStream extends ChannelDuplexHandler implements HttpForwardClient {
  private static final Logger log = LoggerFactory.getLogger(Http2ForwardStream.class);

  /** A piece of the request body and the window credit it holds. */
  private record Piece(HttpContent content, int credit) {}

  private final ProxyContext context;
  private final HttpForwarding frontEnd;
  private final Principal principal;
  private final HttpProxyRequest request;
  private final ArrayDeque<Piece> pending = new ArrayDeque<>();
  private final ArrayDeque<Object> early;
  private final Runnable countOut;
  private final boolean headRequest;
  private ChannelHandlerContext ctx;
  private HttpForwardExchange exchange;
  private boolean clientEnded;
  private boolean done;

  /** The response head, held back until the first piece of body shows whether there is one. */
  private Http2Headers heldHead;

  /** Between an interim (1xx) response head and its end: nothing of it goes out. */
  private boolean interim;

  /**
   * @param early frames the stream read while the request was authenticated; this takes them
   * @param clientEnded whether the request headers ended the stream
   * @param countOut run once when the exchange is over, for {@link Http2FrontEnd#activeStreams}
   */
  Http2ForwardStream(
      ProxyContext context,
      HttpForwarding frontEnd,
      Principal principal,
      HttpProxyRequest request,
      boolean clientEnded,
      ArrayDeque<Object> early,
      Runnable countOut) {
    this.countOut = countOut;
    this.context = context;
    this.frontEnd = frontEnd;
    this.principal = principal;
    this.request = request;
    this.headRequest = HttpMethod.HEAD.equals(request.head().method());
    if (clientEnded) {
      this.clientEnded = true;
      pending.add(new Piece(LastHttpContent.EMPTY_LAST_CONTENT, 0));
    }
    this.early = early;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    for (Object frame; (frame = early.poll()) != null; ) {
      take(frame);
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
            Http2FrontEnd.HTTP_2,
            Http2FrontEnd.PROTOCOL);
    exchange.start();
  }

  // --- the request body ---

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    take(msg);
    drain();
  }

  private void take(Object frame) {
    int credit = Http2FlowCredit.of(frame);
    if (clientEnded || done) {
      ReferenceCountUtil.release(frame);
      Http2FlowCredit.give(ctx.channel(), credit);
      return;
    }
    switch (frame) {
      case Http2DataFrame data -> {
        clientEnded = data.isEndStream();
        ByteBuf content = data.content();
        pending.add(
            new Piece(
                clientEnded ? new DefaultLastHttpContent(content) : new DefaultHttpContent(content),
                credit));
      }
      case Http2HeadersFrame trailers -> {
        // Netty's codec insists that trailers end the stream
        clientEnded = true;
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        for (Map.Entry<CharSequence, CharSequence> field : trailers.headers()) {
          if (!field.getKey().isEmpty() && field.getKey().charAt(0) != ':') {
            last.trailingHeaders().add(field.getKey(), field.getValue());
          }
        }
        pending.add(new Piece(last, 0));
      }
      default -> ReferenceCountUtil.release(frame);
    }
  }

  /** Hands queued pieces to the exchange for as long as it takes them. */
  private void drain() {
    while (!pending.isEmpty() && exchange != null && exchange.acceptsRequestBody()) {
      Piece piece = pending.poll();
      exchange.sendRequestBody(
          piece.content(), () -> Http2FlowCredit.give(ctx.channel(), piece.credit()));
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
      Http2Headers headers = HttpConversionUtil.toHttp2Headers(response, false);
      if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        interim = true;
        ctx.write(new DefaultHttp2HeadersFrame(headers, false), ctx.voidPromise());
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

  private void writeContent(HttpContent content, ChannelPromise promise) {
    boolean last = content instanceof LastHttpContent;
    if (interim) {
      interim = !last;
      content.release();
      promise.trySuccess();
      return;
    }
    ByteBuf data = content.content();
    HttpHeaders trailers = last ? ((LastHttpContent) content).trailingHeaders() : null;
    boolean hasTrailers = trailers != null && !trailers.isEmpty();
    if (heldHead != null) {
      boolean headOnly = last && !data.isReadable() && !hasTrailers;
      ctx.write(new DefaultHttp2HeadersFrame(heldHead, headOnly), ctx.voidPromise());
      heldHead = null;
      if (headOnly) {
        content.release();
        promise.trySuccess();
        return;
      }
    }
    if (data.isReadable() || (last && !hasTrailers)) {
      ctx.write(new DefaultHttp2DataFrame(data, last && !hasTrailers), ctx.voidPromise());
    } else {
      data.release();
    }
    if (hasTrailers) {
      ctx.write(
          new DefaultHttp2HeadersFrame(HttpConversionUtil.toHttp2Headers(trailers, false), true),
          ctx.voidPromise());
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
      ctx.channel().writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
    }
  }

  @Override
  public void exchangeFailed(HttpRejection rejection) {
    finish();
    context.metrics().connectionRejected(Http2FrontEnd.PROTOCOL, rejection.label());
    log.debug("{}: refused with {}: {}", ctx.channel(), rejection.status(), rejection.getMessage());
    Http2Responses.refuse(ctx.channel(), rejection, headRequest, clientEnded);
  }

  @Override
  public void exchangeAborted() {
    finish();
    ctx.channel().close(); // RST_STREAM(CANCEL): the response stops short
  }

  private void finish() {
    countOut.run();
    done = true;
    exchange = null;
    releasePending();
    // read on, dropping what comes, so the stream can close (Netty keeps unread frames)
    ctx.channel().config().setAutoRead(true);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof Http2ResetFrame) {
      ctx.close(); // the client gave up: channelInactive aborts the exchange
    } else if (event instanceof IdleStateEvent) {
      if (exchange != null) {
        exchange.onIdle(context.settings().timeouts().streamIdle()); // 504, or a reset mid-response
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
    finish();
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
    if (cause instanceof IOException) {
      log.debug("{}: HTTP/2 forwarding stream failed: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error on an HTTP/2 forwarding stream", ctx.channel(), cause);
    }
    ctx.close();
  }

  private void releasePending() {
    for (Piece piece; (piece = pending.poll()) != null; ) {
      piece.content().release();
      Http2FlowCredit.give(ctx.channel(), piece.credit());
    }
  }
}
