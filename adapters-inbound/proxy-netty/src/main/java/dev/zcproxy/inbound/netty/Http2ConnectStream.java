package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.auth.Principal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream, from its request headers until its tunnel is up or it is refused (RFC 9113
 * §8.5): a CONNECT with {@code :authority host:port} and neither {@code :scheme} nor {@code :path}.
 * It is authenticated ({@code proxy-authorization: Basic}, else 407), then resolved, authorized and
 * connected by {@link ConnectCommand#open} exactly as an HTTP/1.1 or SOCKS CONNECT, answered with
 * {@code :status 200}, and handed to an {@link Http2Tunnel}. A refusal is a response with
 * END_STREAM (400 malformed, 403 policy, 407, 429 user limit, 501 anything but CONNECT, 502/504
 * connect failures), then RST_STREAM(NO_ERROR) if the client has not ended its side.
 *
 * <p>DATA that arrives before the tunnel is up (optimistic data) is kept and sent upstream first;
 * the stream's flow-control window bounds it. The stream is read only while headers are awaited.
 */
final class Http2ConnectStream extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http2ConnectStream.class);

  static final String PROXY_AUTHORIZATION = HttpHeaderNames.PROXY_AUTHORIZATION.toString();
  private static final CharSequence PROTOCOL_PSEUDO_HEADER = ":protocol";

  enum State {
    /** Waiting for the request headers. */
    AWAIT_HEADERS,
    /** Checking proxy-authorization off the event loop. */
    AUTHENTICATING,
    /** Resolving, authorizing and connecting; DATA meanwhile is early data. */
    CONNECTING,
    /** The tunnel owns the stream; this handler is gone. */
    TUNNEL,
    /** Refused: the response is on its way and input is dropped. */
    CLOSED
  }

  private final ProxyContext context;
  private final Http2Session session;
  private final EarlyData earlyData = new EarlyData();
  private ChannelHandlerContext ctx;
  private State state = State.AWAIT_HEADERS;
  private boolean clientEnded;

  Http2ConnectStream(ProxyContext context, Http2Session session) {
    this.context = context;
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
          ReferenceCountUtil.release(msg);
          refuse(HttpRejection.badRequest("a stream must start with request headers"));
        }
      }
      case AUTHENTICATING, CONNECTING -> keepEarly(msg);
      case TUNNEL, CLOSED -> ReferenceCountUtil.release(msg);
    }
  }

  private void keepEarly(Object msg) {
    if (msg instanceof Http2DataFrame data) {
      clientEnded |= data.isEndStream();
      earlyData.append(ctx.alloc(), data.content()); // takes the frame's buffer
    } else {
      if (msg instanceof Http2HeadersFrame trailers) {
        clientEnded |= trailers.isEndStream();
      }
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(Http2HeadersFrame frame) {
    Http2Headers headers = frame.headers();
    Destination destination;
    try {
      destination = validate(headers, frame.isEndStream());
    } catch (HttpRejection rejection) {
      clientEnded = frame.isEndStream();
      refuse(rejection);
      return;
    }
    clientEnded = frame.isEndStream();
    log.debug("{}: CONNECT {}", ctx.channel(), destination);
    CharSequence authorization = headers.get(PROXY_AUTHORIZATION);
    authenticate(authorization == null ? null : authorization.toString(), destination);
  }

  /**
   * The destination of a well-formed CONNECT.
   *
   * @throws HttpRejection 501 for any other method, 400 for a malformed CONNECT
   */
  static Destination validate(Http2Headers headers, boolean endStream) throws HttpRejection {
    CharSequence method = headers.method();
    if (method == null || !HttpMethod.CONNECT.asciiName().contentEquals(method)) {
      throw new HttpRejection(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "not_implemented",
          "over HTTP/2 the proxy serves CONNECT only; send other requests over HTTP/1.1");
    }
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
    HttpProxyAuthentication.authenticate(
            context, ctx.channel().parent(), Http2FrontEnd.PROTOCOL, authorization)
        .addListener(
            (Future<Principal> answer) -> {
              if (state != State.AUTHENTICATING || !ctx.channel().isActive()) {
                return;
              }
              if (!answer.isSuccess()) {
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
      refuse(
          new HttpRejection(
              HttpResponseStatus.TOO_MANY_REQUESTS,
              "user_limit",
              principal.name() + " has too many connections open"));
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
          public void connected(Channel upstream, AuthorizedDestination target) {
            tunnel(upstream);
          }

          @Override
          public void refused(ProxyRefusal.Kind kind) {
            refuse(HttpRejection.ofRefusal(new ProxyRefusal(kind, refusalMessage(kind))));
          }
        });
  }

  private void tunnel(Channel upstream) {
    if (state != State.CONNECTING) {
      upstream.close();
      return;
    }
    state = State.TUNNEL;
    Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
    ByteBuf early = earlyData.take();
    Http2Tunnel tunnel = new Http2Tunnel(stream, upstream, context.metrics());
    ctx.pipeline().replace(this, PipelineNames.H2_RELAY, tunnel.streamSide());
    tunnel.open(early, clientEnded);
  }

  private static String refusalMessage(ProxyRefusal.Kind kind) {
    return switch (kind) {
      case NOT_ALLOWED -> "the proxy's policy does not allow this destination";
      case HOST_UNREACHABLE -> "the destination host cannot be resolved or reached";
      case NETWORK_UNREACHABLE -> "the destination network is unreachable";
      case CONNECTION_REFUSED -> "the destination refused the connection";
      case TIMEOUT -> "the destination did not answer in time";
      case GENERAL_FAILURE -> "the proxy could not reach the destination";
    };
  }

  /** Answers the stream with an error status and ends it. */
  private void refuse(HttpRejection rejection) {
    if (state == State.CLOSED || state == State.TUNNEL) {
      return;
    }
    state = State.CLOSED;
    earlyData.release();
    context.metrics().connectionRejected(Http2FrontEnd.PROTOCOL, rejection.label());
    log.debug("{}: refused with {}: {}", ctx.channel(), rejection.status(), rejection.getMessage());
    Channel stream = ctx.channel();
    if (!stream.isActive()) {
      return;
    }
    Http2Headers headers = new DefaultHttp2Headers().status(rejection.status().codeAsText());
    for (String challenge : rejection.challenges()) {
      headers.add(HttpHeaderNames.PROXY_AUTHENTICATE, challenge);
    }
    ChannelFuture sent = stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
    if (!clientEnded) {
      // RFC 9113 §8.1: the response is complete, the request need not be
      sent.addListener(
          done -> {
            if (stream.isActive()) {
              stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            }
          });
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    ReferenceCountUtil.release(event); // e.g. the client's RST_STREAM: the stream closes next
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
    if (state != State.TUNNEL) {
      state = State.CLOSED;
    }
    earlyData.release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    earlyData.release();
  }

  /** For tests: where the stream stands. */
  State state() {
    return state;
  }
}
