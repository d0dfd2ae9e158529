package dev.zcproxy.inbound.netty.http.h2;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.access.TunnelLine;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.handshake.EarlyData;
import dev.zcproxy.inbound.netty.http.HttpForwardExchange;
import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.http.HttpProxyAuthentication;
import dev.zcproxy.inbound.netty.http.HttpProxyRequest;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.http.HttpRequestTarget;
import dev.zcproxy.inbound.netty.http.PseudoHeaderRequest;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream, from its request headers until it is handed on or refused:
 *
 * <ul>
 *   <li>a CONNECT (RFC 9113 §8.5: {@code :authority host:port}, neither {@code :scheme} nor {@code
 *       :path}) is resolved, authorized and connected by {@link ConnectCommand#open} exactly as an
 *       HTTP/1.1 or SOCKS CONNECT, answered with {@code :status 200}, and handed to an {@link
 *       Http2Tunnel};
 *   <li>any other method is an {@code http://} request to forward (§8.3, {@link
 *       PseudoHeaderRequest}), handed to an {@link Http2ForwardStream}.
 * </ul>
 *
 * Both are authenticated first ({@code proxy-authorization: Basic}, else 407), and count against
 * the user's connection limit once per client connection. A refusal is a response with its status
 * and text, ending the stream (400 malformed, 403 policy naming the rule, 407, 429 user limit, 501
 * unsupported, 502/504 connect failures, 508 a loop), then RST_STREAM(NO_ERROR) if the client has
 * not ended its side.
 *
 * <p>The stream is read only while headers are awaited. Frames that still arrive in the same read
 * (a CONNECT's optimistic data, a request body's first DATA) are kept for whoever takes the stream
 * over; the stream's flow-control window bounds them, and their credit is returned only once they
 * have gone upstream ({@link Http2FlowCredit}).
 */
final class Http2RequestStream extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http2RequestStream.class);

  static final String PROXY_AUTHORIZATION = HttpHeaderNames.PROXY_AUTHORIZATION.toString();
  private static final CharSequence PROTOCOL_PSEUDO_HEADER = ":protocol";

  enum State {
    /** Waiting for the request headers. */
    AWAIT_HEADERS,
    /** Checking proxy-authorization off the event loop. */
    AUTHENTICATING,
    /** Resolving, authorizing and connecting a CONNECT; DATA meanwhile is early data. */
    CONNECTING,
    /** A tunnel or a forwarding exchange owns the stream; this handler is gone. */
    HANDED_OVER,
    /** Refused: the response is on its way and input is dropped. */
    CLOSED
  }

  private final ProxyContext context;
  private final HttpForwarding frontEnd;
  private final Http2FrontEnd http2;
  private final Http2Session session;
  private final ArrayDeque<Object> early = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private State state = State.AWAIT_HEADERS;
  private boolean clientEnded;
  private boolean headRequest;

  /** The request to forward; null for a CONNECT. */
  private HttpProxyRequest forward;

  Http2RequestStream(
      ProxyContext context, HttpForwarding frontEnd, Http2FrontEnd http2, Http2Session session) {
    this.context = context;
    this.frontEnd = frontEnd;
    this.http2 = http2;
    this.session = session;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case AWAIT_HEADERS -> {
        if (msg instanceof Http2HeadersFrame headers) {
          ctx.channel().config().setAutoRead(false);
          onRequest(headers);
        } else {
          drop(msg);
          refuse(HttpRejection.badRequest("a stream must start with request headers"));
        }
      }
      case AUTHENTICATING, CONNECTING -> keepEarly(msg);
      case HANDED_OVER, CLOSED -> drop(msg);
    }
  }

  private void drop(Object msg) {
    int credit = Http2FlowCredit.of(msg);
    ReferenceCountUtil.release(msg);
    Http2FlowCredit.give(ctx.channel(), credit);
  }

  private void keepEarly(Object msg) {
    if (msg instanceof Http2DataFrame data) {
      clientEnded |= data.isEndStream();
    } else if (msg instanceof Http2HeadersFrame trailers) {
      clientEnded |= trailers.isEndStream();
    }
    early.add(msg);
  }

  private void onRequest(Http2HeadersFrame frame) {
    Http2Headers headers = frame.headers();
    clientEnded = frame.isEndStream();
    CharSequence method = headers.method();
    if (method == null) {
      refuse(HttpRejection.badRequest("a request needs :method"));
      return;
    }
    headRequest = HttpMethod.HEAD.asciiName().contentEquals(method);
    Destination destination = null;
    try {
      if (HttpMethod.CONNECT.asciiName().contentEquals(method)) {
        destination = validateConnect(headers, frame.isEndStream());
        log.debug("{}: CONNECT {}", ctx.channel(), destination);
      } else {
        forward = PseudoHeaderRequest.of(headers, frame.isEndStream(), frontEnd.pseudonym());
        log.debug("{}: {} {}", ctx.channel(), headers.method(), forward.target().destination());
      }
    } catch (HttpRejection rejection) {
      refuse(rejection);
      return;
    }
    CharSequence authorization = headers.get(PROXY_AUTHORIZATION);
    authenticate(authorization == null ? null : authorization.toString(), destination);
  }

  /**
   * The destination of a well-formed CONNECT.
   *
   * @throws HttpRejection 400 for a malformed CONNECT
   */
  static Destination validateConnect(Http2Headers headers, boolean endStream) throws HttpRejection {
    if (headers.scheme() != null
        || headers.path() != null
        || headers.contains(PROTOCOL_PSEUDO_HEADER)) {
      throw HttpRejection.badRequest("a CONNECT carries neither :scheme, :path nor :protocol");
    }
    if (headers.authority() == null) {
      throw HttpRejection.badRequest("a CONNECT needs :authority host:port");
    }
    if (endStream) {
      throw HttpRejection.badRequest("a CONNECT stream must stay open for the tunnel");
    }
    return HttpRequestTarget.authorityForm(headers.authority().toString()).destination();
  }

  private void authenticate(String authorization, Destination destination) {
    Principal remembered = authorization == null ? null : session.remembered(authorization);
    if (remembered != null) {
      authenticated(remembered, destination);
      return;
    }
    state = State.AUTHENTICATING;
    long startNanos = AccessLines.start();
    HttpProxyAuthentication.authenticate(
            context, ctx.channel().parent(), Http2FrontEnd.PROTOCOL, authorization)
        .addListener(
            (Future<Principal> answer) -> {
              if (state != State.AUTHENTICATING || !ctx.channel().isActive()) {
                return;
              }
              if (!answer.isSuccess()) {
                context
                    .access()
                    .authenticationFailed(
                        ctx.channel(),
                        Http2FrontEnd.PROTOCOL,
                        forward == null ? AccessCommand.CONNECT : AccessCommand.FORWARD,
                        forward == null ? null : forward.head().method().name(),
                        forward == null
                            ? destination
                            : HttpForwardExchange.loggedUrl(forward.target()),
                        startNanos);
                refuse((HttpRejection) answer.cause());
                return;
              }
              if (authorization != null) {
                session.remember(authorization, answer.getNow());
              }
              authenticated(answer.getNow(), destination);
            });
  }

  private void authenticated(Principal principal, Destination destination) {
    if (!session.admit(ctx.channel().parent(), principal)) {
      context
          .access()
          .overLimit(
              ctx.channel(),
              Http2FrontEnd.PROTOCOL,
              forward == null ? AccessCommand.CONNECT : AccessCommand.FORWARD,
              forward == null ? null : forward.head().method().name(),
              principal,
              forward == null ? destination : HttpForwardExchange.loggedUrl(forward.target()),
              HttpResponseStatus.TOO_MANY_REQUESTS.code());
      refuse(
          new HttpRejection(
              HttpResponseStatus.TOO_MANY_REQUESTS,
              "user_limit",
              principal.name() + " has too many connections open"));
      return;
    }
    if (forward != null) {
      forward(principal);
      return;
    }
    state = State.CONNECTING;
    ConnectCommand.open(
        ctx.channel(),
        context,
        principal,
        destination,
        Http2FrontEnd.PROTOCOL,
        new ConnectCommand.Outcome() {
          @Override
          public void connected(Channel upstream, AuthorizedDestination target, TunnelLine line) {
            tunnel(upstream, line);
          }

          @Override
          public void refused(ProxyRefusal refusal) {
            refuse(HttpRejection.ofRefusal(refusal)); // as for forwarding: a 403 names the rule
          }
        });
  }

  private void forward(Principal principal) {
    state = State.HANDED_OVER;
    Http2ForwardStream stream =
        new Http2ForwardStream(
            context, frontEnd, principal, forward, clientEnded, early, http2.streamStarted());
    ctx.pipeline().replace(this, Http2FrontEnd.FORWARD, stream);
    stream.start();
  }

  private void tunnel(Channel upstream, TunnelLine line) {
    if (state != State.CONNECTING) {
      upstream.close();
      return;
    }
    state = State.HANDED_OVER;
    Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
    EarlyData earlyData = new EarlyData();
    int credit = 0;
    for (Object msg; (msg = early.poll()) != null; ) {
      credit += Http2FlowCredit.of(msg);
      if (msg instanceof Http2DataFrame data) {
        earlyData.append(ctx.alloc(), data.content()); // takes the frame's buffer
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
    ByteBuf earlyBytes = earlyData.take();
    Http2Tunnel tunnel =
        new Http2Tunnel(stream, upstream, context.metrics(), http2.streamStarted(), line);
    ctx.pipeline().replace(this, Http2FrontEnd.RELAY, tunnel.streamSide());
    tunnel.open(earlyBytes, credit, clientEnded);
  }

  /** Answers the stream with an error status and ends it. */
  private void refuse(HttpRejection rejection) {
    if (state == State.CLOSED || state == State.HANDED_OVER) {
      return;
    }
    state = State.CLOSED;
    releaseEarly();
    context.metrics().connectionRejected(Http2FrontEnd.PROTOCOL, rejection.label());
    log.debug("{}: refused with {}: {}", ctx.channel(), rejection.status(), rejection.getMessage());
    Http2Responses.refuse(ctx.channel(), rejection, headRequest, clientEnded);
    // read on, dropping what comes, so the stream can close (Netty keeps unread frames)
    ctx.channel().config().setAutoRead(true);
  }

  private void releaseEarly() {
    for (Object msg; (msg = early.poll()) != null; ) {
      drop(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof Http2ResetFrame) {
      ctx.close(); // frames still queued for this handler are released with the stream
    } else if (event instanceof IdleStateEvent) {
      log.debug("{}: HTTP/2 stream idle in state {}, closing", ctx.channel(), state);
      ctx.close();
    }
    ReferenceCountUtil.release(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("{}: HTTP/2 stream failed: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error on an HTTP/2 stream", ctx.channel(), cause);
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state != State.HANDED_OVER) {
      state = State.CLOSED;
    }
    releaseEarly();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (state != State.HANDED_OVER) {
      releaseEarly();
    }
  }

  /** For tests: where the stream stands. */
  State state() {
    return state;
  }
}
