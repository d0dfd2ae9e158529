package dev.zcproxy.inbound.netty.http.h1;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.handshake.EarlyData;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.HandshakeStage;
import dev.zcproxy.inbound.netty.http.HttpForwardClient;
import dev.zcproxy.inbound.netty.http.HttpForwardExchange;
import dev.zcproxy.inbound.netty.http.HttpProxyAuthentication;
import dev.zcproxy.inbound.netty.http.HttpProxyRequest;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.http.HttpResponses;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection speaking HTTP/1.1 to the proxy: its requests, one at a time, in order.
 *
 * <ul>
 *   <li>Each request head is checked ({@link HttpProxyRequest}), then authenticated: {@code
 *       Proxy-Authorization: Basic} is checked off the event loop, and a missing or wrong one gets
 *       407 and is never forwarded. A connection remembers the last credentials that passed, so a
 *       keep-alive client does not pay for a check per request.
 *   <li>A forwarded request becomes an {@link HttpForwardExchange}; when it ends cleanly the
 *       connection waits for the next request (keep-alive).
 *   <li>CONNECT is served by {@link ConnectCommand}, the same as SOCKS: after {@code 200 Connection
 *       established} the HTTP handlers are gone and the relay owns the connection.
 *   <li>Every refusal is a complete response with {@code Connection: close}, and then a close.
 * </ul>
 *
 * Decoded messages are queued and taken in order: a pipelined request waits until the exchange
 * before it is over, and body pieces wait until the upstream connection is there. The client is
 * read only when the queue is empty and the current state wants more, so the queue holds at most
 * what one read brought.
 *
 * <p>The first request head is the handshake, timed by the {@link HandshakeGuard} from accept. A
 * later head must arrive within the same timeout after the previous response ended; a keep-alive
 * connection that stays silent that long is closed without a word, and one that sent part of a head
 * gets 408.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter
    implements HandshakeStage, HttpForwardClient {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

  enum State {
    /** Between requests: reading the next head. */
    AWAIT_REQUEST,
    /** Checking Proxy-Authorization off the event loop; the client is not read meanwhile. */
    AUTHENTICATING,
    /** An exchange is forwarding a request and its response. */
    FORWARDING,
    /** A CONNECT is being set up by {@link ConnectCommand}; later bytes are early data. */
    TUNNEL,
    /** A final response is on its way out and the connection closes; input is dropped. */
    CLOSING
  }

  private final ProxyContext context;
  private final HttpFrontEnd frontEnd;
  private final HttpStrictRequestDecoder decoder;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private final EarlyData earlyData = new EarlyData();
  private final Set<Principal> admittedUsers = new HashSet<>();
  private ChannelHandlerContext ctx;
  private State state = State.AWAIT_REQUEST;
  private HttpForwardExchange exchange;

  /** The request being served is a HEAD: a refusal then carries no body. */
  private boolean headRequest;

  private ScheduledFuture<?> headTimer;
  private String acceptedAuthorization;
  private Principal acceptedPrincipal;

  HttpProxyHandler(ProxyContext context, HttpFrontEnd frontEnd, HttpStrictRequestDecoder decoder) {
    this.context = context;
    this.frontEnd = frontEnd;
    this.decoder = decoder;
  }

  @Override
  public String protocol() {
    return HttpFrontEnd.PROTOCOL;
  }

  @Override
  public List<String> handshakeHandlers() {
    return HttpFrontEnd.HANDSHAKE_HANDLERS;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case CLOSING -> ReferenceCountUtil.release(msg);
      case TUNNEL -> takeAsEarlyData(msg);
      default -> {
        pending.add(msg);
        drain();
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.flushRequestBody();
    }
    readIfWanted();
  }

  /** Takes queued messages for as long as the current state can use them. */
  private void drain() {
    while (!pending.isEmpty() && ctx.channel().isActive()) {
      Object next = pending.peek();
      switch (state) {
        case AWAIT_REQUEST -> {
          pending.poll();
          if (next instanceof HttpRequest request) {
            onRequest(request);
          } else {
            ReferenceCountUtil.release(next);
            refuse(HttpRejection.badRequest("a request body without a request"));
          }
        }
        case FORWARDING -> {
          if (next instanceof HttpRequest || !(next instanceof HttpContent content)) {
            return; // the next request waits for this exchange to end
          }
          if (content.decoderResult().isFailure()) {
            pending.poll();
            Throwable cause = content.decoderResult().cause();
            content.release();
            refuse(HttpRejection.ofBadBody(cause));
            return;
          }
          if (!exchange.acceptsRequestBody()) {
            return;
          }
          pending.poll();
          exchange.sendRequestBody(content);
        }
        case TUNNEL -> takeAsEarlyData(pending.poll());
        case AUTHENTICATING, CLOSING -> {
          return;
        }
      }
    }
  }

  /** Reads the client only when the queue is empty and the state wants more. */
  private void readIfWanted() {
    if (!pending.isEmpty() || !ctx.channel().isActive()) {
      return;
    }
    boolean wanted =
        switch (state) {
          case AWAIT_REQUEST -> true;
          case FORWARDING -> exchange.wantsRequestBody();
          case AUTHENTICATING, TUNNEL, CLOSING -> false;
        };
    if (wanted) {
      ctx.read();
    }
  }

  private void onRequest(HttpRequest head) {
    cancelHeadTimer();
    headRequest = HttpMethod.HEAD.equals(head.method());
    HttpProxyRequest request;
    try {
      request = HttpProxyRequest.validate(head, frontEnd.pseudonym());
    } catch (HttpRejection rejection) {
      ReferenceCountUtil.release(head);
      refuse(rejection);
      return;
    }
    log.debug("{}: {} {}", ctx.channel(), head.method(), request.target().destination());
    if (!request.connect()) {
      endHandshake(); // a CONNECT's handshake lasts until its tunnel is up
    }
    authenticate(request);
  }

  private void authenticate(HttpProxyRequest request) {
    String authorization = request.proxyAuthorization();
    if (authorization != null && authorization.equals(acceptedAuthorization)) {
      authenticated(request, acceptedPrincipal);
      return;
    }
    state = State.AUTHENTICATING;
    long startNanos = AccessLines.start();
    HttpProxyAuthentication.authenticate(
            context, ctx.channel(), HttpFrontEnd.PROTOCOL, authorization)
        .addListener(
            (Future<Principal> answer) -> {
              // The guard may have timed the handshake out, or the client left, meanwhile.
              if (state != State.AUTHENTICATING || !ctx.channel().isActive()) {
                return;
              }
              if (!answer.isSuccess()) {
                context
                    .access()
                    .authenticationFailed(
                        ctx.channel(),
                        HttpFrontEnd.PROTOCOL,
                        request.connect() ? AccessCommand.CONNECT : AccessCommand.FORWARD,
                        request.connect() ? null : request.head().method().name(),
                        request.connect()
                            ? request.target().destination()
                            : HttpForwardExchange.loggedUrl(request.target()),
                        startNanos);
                refuse((HttpRejection) answer.cause());
                return;
              }
              if (authorization != null) {
                acceptedAuthorization = authorization;
                acceptedPrincipal = answer.getNow();
              }
              authenticated(request, answer.getNow());
            });
  }

  private void authenticated(HttpProxyRequest request, Principal principal) {
    if (!admittedUsers.contains(principal)) {
      if (!context.limits().admitUser(ctx.channel(), principal)) {
        log.debug("{}: {} is at its connection limit", ctx.channel(), principal.name());
        context
            .access()
            .overLimit(
                ctx.channel(),
                HttpFrontEnd.PROTOCOL,
                request.connect() ? AccessCommand.CONNECT : AccessCommand.FORWARD,
                request.connect() ? null : request.head().method().name(),
                principal,
                request.connect()
                    ? request.target().destination()
                    : HttpForwardExchange.loggedUrl(request.target()),
                HttpResponseStatus.TOO_MANY_REQUESTS.code());
        refuse(
            new HttpRejection(
                HttpResponseStatus.TOO_MANY_REQUESTS,
                "user_limit",
                principal.name() + " has too many connections open"));
        return;
      }
      admittedUsers.add(principal);
    }
    if (request.connect()) {
      state = State.TUNNEL;
      while (!pending.isEmpty()) {
        takeAsEarlyData(pending.poll());
      }
      ConnectCommand.start(
          ctx.channel(),
          context,
          principal,
          request.target().destination(),
          this,
          new HttpConnectReplies(this));
      return;
    }
    state = State.FORWARDING;
    exchange =
        new HttpForwardExchange(
            this,
            ctx.channel(),
            context,
            frontEnd,
            principal,
            request,
            request.head().protocolVersion(),
            HttpFrontEnd.PROTOCOL);
    exchange.start();
    drain();
    readIfWanted();
  }

  /** Behind a CONNECT head comes the decoder's end marker, then the tunnel's first bytes. */
  private void takeAsEarlyData(Object msg) {
    if (msg instanceof ByteBuf data) {
      earlyData.append(ctx.alloc(), data);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Ends the handshake timer of the first request (later requests have their own). */
  private void endHandshake() {
    HandshakeGuard guard = ctx.pipeline().get(HandshakeGuard.class);
    if (guard != null) {
      guard.complete(HttpFrontEnd.PROTOCOL);
      ctx.pipeline().remove(guard);
    }
  }

  // --- called by the exchange ---

  /** The upstream connection is ready for the request body. */
  @Override
  public void exchangeReady() {
    drain();
    readIfWanted();
  }

  /** The upstream can take more of the body. */
  @Override
  public void requestBodyWanted() {
    readIfWanted();
  }

  /** The exchange ended with the whole response written; the connection may carry on. */
  @Override
  public void exchangeCompleted(boolean keepAlive) {
    exchange = null;
    headRequest = false;
    if (!keepAlive) {
      closeAfterFlush();
      return;
    }
    state = State.AWAIT_REQUEST;
    startHeadTimer();
    drain();
    readIfWanted();
  }

  /** The exchange failed before the client saw a response: it gets this one. */
  @Override
  public void exchangeFailed(HttpRejection rejection) {
    exchange = null;
    refuse(rejection);
  }

  /** The exchange failed in the middle of the response: all the client can get is a close. */
  @Override
  public void exchangeAborted() {
    exchange = null;
    state = State.CLOSING;
    releasePending();
    ctx.close();
  }

  // --- called by HttpConnectReplies ---

  void tunnelEstablished() {
    ctx.channel().writeAndFlush(HttpResponses.connectionEstablished());
  }

  /** The same answer as a refused forwarded request: a 403 names the policy rule. */
  void tunnelRefused(ProxyRefusal refusal) {
    refuse(HttpRejection.ofRefusal(refusal));
  }

  /** Answers the current request with an error, then closes. */
  private void refuse(HttpRejection rejection) {
    if (state == State.CLOSING) {
      return;
    }
    state = State.CLOSING;
    cancelHeadTimer();
    releasePending();
    context.metrics().connectionRejected(HttpFrontEnd.PROTOCOL, rejection.label());
    log.debug("{}: refused with {}: {}", ctx.channel(), rejection.status(), rejection.getMessage());
    if (exchange != null) {
      boolean started = exchange.responseStarted();
      exchange.abort();
      exchange = null;
      if (started) {
        ctx.close();
        return;
      }
    }
    if (ctx.channel().isActive()) {
      ctx.channel()
          .writeAndFlush(HttpResponses.forRejection(rejection, headRequest))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void closeAfterFlush() {
    state = State.CLOSING;
    releasePending();
    ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void startHeadTimer() {
    headTimer =
        ctx.executor()
            .schedule(
                this::headTimedOut,
                context.settings().timeouts().handshake().toNanos(),
                TimeUnit.NANOSECONDS);
  }

  private void cancelHeadTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
  }

  private void headTimedOut() {
    headTimer = null;
    if (state != State.AWAIT_REQUEST || !pending.isEmpty()) {
      return;
    }
    if (decoder.midRequestHead()) {
      refuse(
          new HttpRejection(
              HttpResponseStatus.REQUEST_TIMEOUT,
              HandshakeGuard.TIMEOUT,
              "the request head did not arrive in time"));
    } else {
      log.debug("{}: idle keep-alive connection closed", ctx.channel());
      state = State.CLOSING;
      ctx.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && ctx.channel().isWritable()) {
      exchange.onClientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (!(event instanceof IdleStateEvent)) {
      ctx.fireUserEventTriggered(event);
      return;
    }
    if (exchange != null) {
      exchange.onIdle(context.settings().timeouts().idle());
    } else if (state != State.CLOSING) {
      log.debug("{}: idle for {}, closing", ctx.channel(), context.settings().timeouts().idle());
      state = State.CLOSING;
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSING;
    if (exchange != null) {
      exchange.abort();
      exchange = null;
    }
    cancelHeadTimer();
    releasePending();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("{}: HTTP client connection failed: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error on an HTTP client connection", ctx.channel(), cause);
    }
    ctx.close();
  }

  @Override
  public ByteBuf abort(ByteBufAllocator allocator) {
    State was = state;
    state = State.CLOSING;
    releasePending();
    HttpRejection due =
        switch (was) {
          case AWAIT_REQUEST ->
              decoder.midRequestHead()
                  ? new HttpRejection(
                      HttpResponseStatus.REQUEST_TIMEOUT,
                      HandshakeGuard.TIMEOUT,
                      "the request head did not arrive in time")
                  : null;
          case AUTHENTICATING ->
              new HttpRejection(
                  HttpResponseStatus.SERVICE_UNAVAILABLE,
                  HandshakeGuard.TIMEOUT,
                  "the login could not be checked in time");
          case TUNNEL ->
              new HttpRejection(
                  HttpResponseStatus.GATEWAY_TIMEOUT,
                  HandshakeGuard.TIMEOUT,
                  "the destination did not answer in time");
          case FORWARDING, CLOSING -> null;
        };
    return due == null ? null : HttpResponses.encode(allocator, HttpResponses.forRejection(due));
  }

  @Override
  public ByteBuf takeEarlyData() {
    ByteBuf undecoded = decoder.takeUndecoded();
    if (undecoded != null) {
      earlyData.append(ctx.alloc(), undecoded);
    }
    return earlyData.take();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelHeadTimer();
    releasePending();
    earlyData.release();
    if (exchange != null) {
      exchange.abort();
      exchange = null;
    }
  }

  private void releasePending() {
    for (Object msg; (msg = pending.poll()) != null; ) {
      ReferenceCountUtil.release(msg);
    }
  }

  /** For tests: where the conversation stands. */
  State state() {
    return state;
  }
}
