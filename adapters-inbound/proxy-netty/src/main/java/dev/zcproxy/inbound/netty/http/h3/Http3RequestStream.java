package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.access.TunnelLine;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.http.HttpProxyAuthentication;
import dev.zcproxy.inbound.netty.http.HttpProxyRequest;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.http.HttpRequestTarget;
import dev.zcproxy.inbound.netty.http.PseudoHeaderRequest;
import dev.zcproxy.inbound.netty.http.h3.masque.ConnectUdpTarget;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3HeadersValidationException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/3 request stream, from its request headers until it is handed on or refused:
 *
 * <ul>
 *   <li>a CONNECT (RFC 9114 §4.4: {@code :authority host:port} only; Netty's codec has already
 *       answered one with {@code :scheme} or {@code :path}, or without {@code :authority}, with the
 *       stream error H3_MESSAGE_ERROR) is resolved, authorized and connected by {@link
 *       ConnectCommand#open} exactly as every other CONNECT, answered with {@code :status 200}, and
 *       handed to an {@link Http3Tunnel};
 *   <li>an extended CONNECT (RFC 9220) with {@code :protocol connect-udp} is a CONNECT-UDP request
 *       (RFC 9298): its target, from the default URI template, is checked before anything else,
 *       then it is authenticated, and its flow runs on the UDP core ({@link Http3ConnectUdp}); any
 *       other {@code :protocol} is 501;
 *   <li>any other method is an {@code http://} request to forward ({@link PseudoHeaderRequest}),
 *       handed to an {@link Http3ForwardStream}.
 * </ul>
 *
 * All are authenticated like HTTP/2's ({@code proxy-authorization} Basic or Negotiate, else 407
 * with the same challenges), and count against the user's connection limit once per QUIC
 * connection. A refusal is a real response: HEADERS with {@code :status} (400, 403 naming the rule,
 * 407, 429, 501, 502, 504, 508) and a short text, then FIN; if the client has not finished its
 * request, STOP_SENDING with H3_NO_ERROR (RFC 9114 §4.1).
 *
 * <p>Frames that arrive while the request is authenticated or connected are kept for whoever takes
 * the stream over; QUIC's stream flow control bounds them.
 */
final class Http3RequestStream extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http3RequestStream.class);

  static final String PROXY_AUTHORIZATION = HttpHeaderNames.PROXY_AUTHORIZATION.toString();
  static final String CONNECT_UDP_PROTOCOL = "connect-udp";

  enum State {
    AWAIT_HEADERS,
    AUTHENTICATING,
    CONNECTING,
    HANDED_OVER,
    CLOSED
  }

  /** What the request asked for. */
  private enum Kind {
    CONNECT,
    CONNECT_UDP,
    FORWARD
  }

  private final ProxyContext context;
  private final HttpForwarding frontEnd;
  private final Http3FrontEnd http3;
  private final Http3Session session;
  private final QuicMetrics metrics;
  private final ArrayDeque<Object> early = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private State state = State.AWAIT_HEADERS;
  private boolean clientEnded;
  private boolean headRequest;
  private Kind kind;
  private Http3Headers request;
  private Destination destination;
  private Principal principal;

  Http3RequestStream(
      ProxyContext context,
      HttpForwarding frontEnd,
      Http3FrontEnd http3,
      Http3Session session,
      QuicMetrics metrics) {
    this.context = context;
    this.frontEnd = frontEnd;
    this.http3 = http3;
    this.session = session;
    this.metrics = metrics;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  private QuicStreamChannel stream() {
    return (QuicStreamChannel) ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case AWAIT_HEADERS -> {
        if (msg instanceof Http3HeadersFrame headers) {
          onRequest(headers.headers());
        } else {
          ReferenceCountUtil.release(msg);
          refuse(HttpRejection.badRequest("a request stream must start with HEADERS"));
        }
      }
      case AUTHENTICATING, CONNECTING -> {
        early.add(msg);
        if (kind == Kind.FORWARD && state == State.CONNECTING) {
          forwardWhenBodyKnown(); // it was waiting for this: a body follows
        }
      }
      case HANDED_OVER, CLOSED -> ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.AUTHENTICATING || state == State.CONNECTING) {
      // Keep reading only until the request has said whether it has a body: a forwarded request
      // waits for that; a tunnel's early data waits in QUIC's flow-control window instead.
      if (kind == Kind.FORWARD && !clientEnded && early.isEmpty()) {
        ctx.read();
      }
    }
    ctx.fireChannelReadComplete();
  }

  private void onRequest(Http3Headers headers) {
    ctx.channel().config().setAutoRead(false);
    request = headers;
    CharSequence method = headers.method();
    headRequest = HttpMethod.HEAD.asciiName().contentEquals(method);
    CharSequence protocol = headers.protocol();
    try {
      if (HttpMethod.CONNECT.asciiName().contentEquals(method) && protocol == null) {
        kind = Kind.CONNECT;
        destination = HttpRequestTarget.authorityForm(headers.authority().toString()).destination();
      } else if (HttpMethod.CONNECT.asciiName().contentEquals(method)) {
        if (!CONNECT_UDP_PROTOCOL.contentEquals(protocol)) {
          throw new HttpRejection(
              HttpResponseStatus.NOT_IMPLEMENTED,
              "unsupported_protocol",
              "extended CONNECT serves :protocol connect-udp only, not " + protocol);
        }
        kind = Kind.CONNECT_UDP;
        destination = ConnectUdpTarget.parse(headers.path().toString());
      } else {
        kind = Kind.FORWARD;
      }
    } catch (HttpRejection rejection) {
      refuse(rejection);
      return;
    }
    metrics.streamOpened(
        switch (kind) {
          case CONNECT -> QuicMetrics.StreamKind.CONNECT;
          case CONNECT_UDP -> QuicMetrics.StreamKind.CONNECT_UDP;
          case FORWARD -> QuicMetrics.StreamKind.FORWARD;
        });
    log.debug("{}: {} {}", ctx.channel(), kind, destination == null ? headers.path() : destination);
    CharSequence authorization = headers.get(PROXY_AUTHORIZATION);
    authenticate(authorization == null ? null : authorization.toString());
  }

  private void authenticate(String authorization) {
    state = State.AUTHENTICATING;
    Principal remembered = authorization == null ? null : session.remembered(authorization);
    if (remembered != null) {
      authenticated(remembered);
      return;
    }
    long startNanos = AccessLines.start();
    HttpProxyAuthentication.authenticate(
            context, session.connection(), Http3FrontEnd.PROTOCOL, authorization)
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
                        Http3FrontEnd.PROTOCOL,
                        switch (kind) {
                          case CONNECT -> AccessCommand.CONNECT;
                          case CONNECT_UDP -> AccessCommand.CONNECT_UDP;
                          case FORWARD -> AccessCommand.FORWARD;
                        },
                        destination,
                        startNanos);
                refuse((HttpRejection) answer.cause());
                return;
              }
              if (authorization != null) {
                session.remember(authorization, answer.getNow());
              }
              authenticated(answer.getNow());
            });
  }

  private void authenticated(Principal who) {
    principal = who;
    if (!session.admit(session.connection(), who)) {
      context
          .access()
          .overLimit(
              ctx.channel(),
              Http3FrontEnd.PROTOCOL,
              switch (kind) {
                case CONNECT -> AccessCommand.CONNECT;
                case CONNECT_UDP -> AccessCommand.CONNECT_UDP;
                case FORWARD -> AccessCommand.FORWARD;
              },
              null,
              who,
              destination,
              HttpResponseStatus.TOO_MANY_REQUESTS.code());
      refuse(
          new HttpRejection(
              HttpResponseStatus.TOO_MANY_REQUESTS,
              "user_limit",
              who.name() + " has too many connections open"));
      return;
    }
    switch (kind) {
      case FORWARD -> forwardWhenBodyKnown();
      case CONNECT_UDP -> connectUdp();
      case CONNECT -> connect();
    }
  }

  private void connect() {
    state = State.CONNECTING;
    ConnectCommand.open(
        ctx.channel(),
        context,
        principal,
        destination,
        Http3FrontEnd.PROTOCOL,
        new ConnectCommand.Outcome() {
          @Override
          public void connected(Channel upstream, AuthorizedDestination target, TunnelLine line) {
            tunnel(upstream, line);
          }

          @Override
          public void refused(ProxyRefusal refusal) {
            refuse(HttpRejection.ofRefusal(refusal)); // a 403 names the rule
          }
        });
  }

  private void tunnel(Channel upstream, TunnelLine line) {
    if (state != State.CONNECTING) {
      upstream.close();
      return;
    }
    state = State.HANDED_OVER;
    Http3Tunnel tunnel =
        new Http3Tunnel(
            stream(), upstream, context.metrics(), http3.streamStarted(), session, line);
    ctx.pipeline().replace(this, Http3FrontEnd.RELAY, tunnel.streamSide());
    tunnel.open(early, clientEnded);
  }

  private void connectUdp() {
    state = State.CONNECTING;
    Http3ConnectUdp.start(
        stream(),
        context,
        session,
        metrics,
        principal,
        destination,
        request,
        new Http3ConnectUdp.Outcome() {
          @Override
          public void opened(Http3ConnectUdp flow) {
            if (state != State.CONNECTING) {
              flow.close();
              return;
            }
            state = State.HANDED_OVER;
            Runnable countOut = http3.streamStarted();
            ctx.channel().closeFuture().addListener(closed -> countOut.run());
            ctx.pipeline().replace(Http3RequestStream.this, Http3FrontEnd.RELAY, flow.streamSide());
            flow.takeEarly(early, clientEnded);
          }

          @Override
          public void refused(HttpRejection rejection) {
            refuse(rejection);
          }
        });
  }

  /**
   * HTTP/3 marks a request's end by FIN, not in its HEADERS frame, so a forwarded request starts
   * once the stream has shown a body (DATA) or its end: only then is its framing known.
   */
  private void forwardWhenBodyKnown() {
    if (!clientEnded && early.isEmpty()) {
      state = State.CONNECTING; // waits for DATA or FIN, read on by channelReadComplete
      ctx.read();
      return;
    }
    HttpProxyRequest forward;
    try {
      forward = PseudoHeaderRequest.of(request, clientEnded && noBody(), frontEnd.pseudonym());
    } catch (HttpRejection rejection) {
      refuse(rejection);
      return;
    }
    state = State.HANDED_OVER;
    Http3ForwardStream stream =
        new Http3ForwardStream(
            context, frontEnd, principal, forward, clientEnded, early, http3.streamStarted());
    ctx.pipeline().replace(this, Http3FrontEnd.FORWARD, stream);
    stream.start();
  }

  private boolean noBody() {
    for (Object msg : early) {
      if (msg instanceof Http3DataFrame data && data.content().isReadable()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      clientEnded = true;
      if (state == State.CONNECTING && kind == Kind.FORWARD) {
        forwardWhenBodyKnown();
      } else if (state == State.AWAIT_HEADERS) {
        session.streamCancelled(); // a stream ended before its request: nothing to answer
        ctx.close();
      }
    } else if (event instanceof IdleStateEvent) {
      log.debug("{}: HTTP/3 stream idle in state {}, closing", ctx.channel(), state);
      ctx.close();
    }
    ReferenceCountUtil.release(event);
  }

  /** Answers the stream with an error status and ends it. */
  private void refuse(HttpRejection rejection) {
    if (state == State.CLOSED || state == State.HANDED_OVER) {
      return;
    }
    state = State.CLOSED;
    releaseEarly();
    context.metrics().connectionRejected(Http3FrontEnd.PROTOCOL, rejection.label());
    log.debug("{}: refused with {}: {}", ctx.channel(), rejection.status(), rejection.getMessage());
    Http3Responses.refuse(stream(), rejection, headRequest, clientEnded);
    // read on, dropping what comes, until the client ends its side or stops
    ctx.channel().config().setAutoRead(true);
  }

  private void releaseEarly() {
    for (Object msg; (msg = early.poll()) != null; ) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http3HeadersValidationException malformed) {
      // Malformed (RFC 9114 §4.1.2): the codec resets the stream with H3_MESSAGE_ERROR right
      // after this; the proxy stops reading it too, and asks nothing of the policy.
      state = State.CLOSED;
      context.metrics().connectionRejected(Http3FrontEnd.PROTOCOL, "malformed");
      log.debug("{}: malformed request: {}", ctx.channel(), malformed.getMessage());
      ctx.executor().execute(() -> stream().shutdownInput(Http3ErrorCode.H3_MESSAGE_ERROR.code()));
      return;
    }
    if (Http3Failures.expected(cause)) {
      log.debug("{}: HTTP/3 stream failed: {}", ctx.channel(), cause.toString());
    } else {
      log.warn("{}: unexpected error on an HTTP/3 stream", ctx.channel(), cause);
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state != State.HANDED_OVER && state != State.CLOSED) {
      session.streamCancelled(); // the client gave up before its answer
    }
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
