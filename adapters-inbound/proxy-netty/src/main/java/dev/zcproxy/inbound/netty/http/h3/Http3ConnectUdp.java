package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.http.h3.masque.CapsuleDecoder;
import dev.zcproxy.inbound.netty.http.h3.masque.Capsules;
import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.udp.UdpClientSide;
import dev.zcproxy.inbound.netty.udp.UdpSession;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CONNECT-UDP flow (RFC 9298) on an HTTP/3 request stream, running on the UDP core: the client
 * side of a {@link UdpSession} whose datagrams travel inside the QUIC connection instead of a UDP
 * socket of its own. The session brings what SOCKS5 UDP ASSOCIATE has: the upstream socket, the
 * bounded flow table, idle eviction, re-authorization on policy changes, and the same metrics.
 *
 * <p>Before the 200, the target is resolved and authorized like any other destination (name
 * resolved inside the proxy, the egress guard, protocol {@code udp} for the rules), so a refusal is
 * a real 403 naming the rule, or 502/504 when DNS fails.
 *
 * <p>HTTP Datagrams (RFC 9297) come in two forms, and both are taken: QUIC DATAGRAM frames (routed
 * here by {@link Http3Session}) and DATAGRAM capsules in the stream's DATA frames (the capsule
 * protocol, which the response announces with {@code capsule-protocol: ?1}). Answers go back in
 * QUIC DATAGRAM frames when the client sent SETTINGS_H3_DATAGRAM and the QUIC datagram extension is
 * on, and as capsules otherwise. Context ID 0 carries UDP payloads; other context IDs are dropped
 * and counted; capsules of unknown types are skipped; oversize ones are discarded as they arrive.
 *
 * <p>The flow ends with the stream: the client's FIN (answered with the proxy's), a reset, the QUIC
 * connection going, the session idling out, or a policy change that revokes the target.
 */
final class Http3ConnectUdp implements UdpClientSide, Http3Session.DatagramReceiver {
  private static final Logger log = LoggerFactory.getLogger(Http3ConnectUdp.class);

  /** The largest HTTP Datagram Payload taken: a context ID and the largest UDP payload. */
  static final int MAX_HTTP_DATAGRAM_BYTES = 8 + UdpSession.MAX_DATAGRAM_BYTES;

  /** How CONNECT-UDP reports back: the 200, or a refusal. */
  interface Outcome {
    void opened(Http3ConnectUdp flow);

    void refused(HttpRejection rejection);
  }

  private final QuicStreamChannel stream;
  private final QuicChannel connection;
  private final Http3Session session;
  private final QuicMetrics metrics;
  private final Destination target;
  private final boolean datagramsOut;
  private final CapsuleDecoder capsules;
  private final StreamSide streamSide = new StreamSide();
  private UdpSession udp;
  private boolean routedThisBatch;
  private ChannelFuture lastCapsule;
  private boolean closed;

  private Http3ConnectUdp(
      QuicStreamChannel stream,
      Http3Session session,
      QuicMetrics metrics,
      Destination target,
      boolean datagramsOut) {
    this.stream = stream;
    this.connection = stream.parent();
    this.session = session;
    this.metrics = metrics;
    this.target = target;
    this.datagramsOut = datagramsOut;
    this.capsules = new CapsuleDecoder(stream.alloc(), MAX_HTTP_DATAGRAM_BYTES, new FromCapsules());
  }

  /**
   * Authorizes {@code target} for {@code principal} and, if allowed, opens the flow: the UDP
   * session, then the 200 (with {@code capsule-protocol: ?1}).
   */
  static void start(
      QuicStreamChannel stream,
      ProxyContext context,
      Http3Session session,
      QuicMetrics metrics,
      Principal principal,
      Destination target,
      Http3Headers request,
      Outcome outcome) {
    long startNanos = AccessLines.start();
    context
        .gate()
        .resolveAndAuthorize(stream.eventLoop(), principal, target, Protocol.UDP)
        .addListener(
            (Future<AuthorizedDestination> authorized) -> {
              if (!stream.isActive()) {
                return;
              }
              if (!authorized.isSuccess()) {
                ProxyRefusal refusal = ProxyRefusals.of(authorized.cause());
                log.debug(
                    "{}: CONNECT-UDP to {} refused: {}", stream, target, refusal.getMessage());
                context
                    .access()
                    .refused(
                        stream,
                        Http3FrontEnd.PROTOCOL,
                        AccessCommand.CONNECT_UDP,
                        principal,
                        target,
                        refusal,
                        startNanos);
                outcome.refused(HttpRejection.ofRefusal(refusal));
                return;
              }
              Http3ConnectUdp flow =
                  new Http3ConnectUdp(
                      stream, session, metrics, target, session.datagramsToClient());
              UdpSession.start(
                  stream,
                  context,
                  principal,
                  udp -> flow.bind(udp),
                  flow.replies(outcome),
                  Http3FrontEnd.PROTOCOL,
                  AccessCommand.CONNECT_UDP,
                  target,
                  startNanos);
            });
  }

  private UdpClientSide bind(UdpSession session) {
    this.udp = session;
    return this;
  }

  private CommandReplies replies(Outcome outcome) {
    return new CommandReplies() {
      @Override
      public void success(InetSocketAddress unused) {
        Http3Headers ok = new DefaultHttp3Headers().status("200").set("capsule-protocol", "?1");
        stream.writeAndFlush(new DefaultHttp3HeadersFrame(ok));
        session.addFlow(stream.streamId(), Http3ConnectUdp.this);
        stream.closeFuture().addListener(closed -> onStreamClosed());
        log.debug(
            "{}: CONNECT-UDP to {} open, answers in {}",
            stream,
            target,
            datagramsOut ? "QUIC datagrams" : "capsules");
        outcome.opened(Http3ConnectUdp.this);
      }

      @Override
      public void failure(ProxyRefusal.Kind kind) {
        outcome.refused(
            new HttpRejection(
                HttpRejection.statusFor(kind),
                ProxyRefusals.label(kind),
                "cannot open a UDP socket for the flow"));
      }
    };
  }

  /** The handler that replaces the request stream's, for the flow's capsules and its end. */
  ChannelHandler streamSide() {
    return streamSide;
  }

  /** Frames the stream read before the flow was open; this takes them. */
  void takeEarly(ArrayDeque<Object> early, boolean clientEnded) {
    for (Object msg; (msg = early.poll()) != null; ) {
      streamSide.onFrame(msg);
    }
    udp.flushUpstream();
    if (clientEnded) {
      streamSide.clientFinished();
    } else {
      stream.config().setAutoRead(true); // capsules are bounded by QUIC's flow control
    }
  }

  /** Ends the flow; the stream goes with it. */
  void close() {
    if (udp != null) {
      udp.close();
    }
  }

  private void onStreamClosed() {
    closed = true;
    session.removeFlow(stream.streamId());
    capsules.close();
    udp.close();
  }

  // --- the client's datagrams: QUIC DATAGRAM frames (from the session) and capsules ---

  @Override
  public void datagram(long contextId, ByteBuf payload) {
    metrics.datagram(QuicMetrics.Direction.IN);
    route(contextId, payload);
  }

  @Override
  public void datagramsRead() {
    flushRouted();
  }

  private void route(long contextId, ByteBuf payload) {
    if (closed || !udp.isOpen()) {
      metrics.dropped(QuicMetrics.Drop.NO_FLOW);
      return;
    }
    if (contextId != HttpDatagrams.UDP_PAYLOAD_CONTEXT_ID) {
      metrics.dropped(QuicMetrics.Drop.UNKNOWN_CONTEXT); // RFC 9298 §4: not one this proxy knows
      return;
    }
    if (payload.readableBytes() > UdpSession.MAX_DATAGRAM_BYTES) {
      metrics.dropped(QuicMetrics.Drop.TOO_LARGE);
      return;
    }
    routedThisBatch = true;
    udp.route(target, payload);
  }

  private void flushRouted() {
    if (routedThisBatch && udp.isOpen()) {
      routedThisBatch = false;
      udp.flushUpstream();
    }
  }

  /** Capsules decoded from the stream's DATA frames. */
  private final class FromCapsules implements CapsuleDecoder.Listener {
    @Override
    public void datagram(long contextId, ByteBuf payload) {
      try {
        metrics.capsule(QuicMetrics.Direction.IN);
        route(contextId, payload);
      } finally {
        payload.release();
      }
    }

    @Override
    public void skipped(long type, long length) {
      log.trace("{}: skipping a capsule of type {:#x}, {} bytes", stream, type, length);
    }

    @Override
    public void oversize(long length) {
      metrics.dropped(QuicMetrics.Drop.TOO_LARGE);
    }
  }

  // --- answers from the target ---

  @Override
  public ChannelHandler handler() {
    return null; // no socket for the client: its datagrams come inside QUIC
  }

  @Override
  public UdpSession.DropReason deliver(InetSocketAddress source, ByteBuf payload) {
    if (closed) {
      return UdpSession.DropReason.SEND_FAILED;
    }
    // QUIC takes a DATAGRAM frame whole or not at all: an answer too large for what the client
    // takes over this path goes as a capsule instead (RFC 9297 §3.5 lets either carry it); one
    // that still fails its write is counted as too large
    int length = HttpDatagrams.quicDatagramLength(stream.streamId(), payload);
    if (datagramsOut && length <= session.maxDatagramBytes()) {
      connection
          .write(HttpDatagrams.encodeQuicDatagram(connection.alloc(), stream.streamId(), payload))
          .addListener(
              written -> {
                if (!written.isSuccess()) {
                  // quiche says "buffer too short" for a frame larger than the path takes; any
                  // other failure means the connection is going
                  metrics.dropped(
                      written.cause() instanceof java.nio.BufferUnderflowException
                          ? QuicMetrics.Drop.TOO_LARGE
                          : QuicMetrics.Drop.NO_FLOW);
                }
              });
      metrics.datagram(QuicMetrics.Direction.OUT);
      return null;
    }
    if (!stream.isWritable()) {
      return UdpSession.DropReason.CONGESTED;
    }
    lastCapsule =
        stream.write(new DefaultHttp3DataFrame(Capsules.encodeDatagram(stream.alloc(), payload)));
    metrics.capsule(QuicMetrics.Direction.OUT);
    return null;
  }

  @Override
  public void flush() {
    stream.flush();
    if (datagramsOut) {
      connection.flush();
    }
  }

  @Override
  public String metricsLabel() {
    return Http3FrontEnd.CONNECT_UDP;
  }

  @Override
  public void opened(Channel control) {
    // the request stream is the control: its handler (streamSide) is put there by the caller
  }

  /** On the request stream once the flow is open: capsules in, and the stream's end. */
  private final class StreamSide extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      onFrame(msg);
    }

    void onFrame(Object msg) {
      try {
        if (msg instanceof Http3DataFrame data && !closed) {
          capsules.decode(data.content());
        }
      } catch (CapsuleDecoder.MalformedCapsule malformed) {
        log.debug("{}: malformed capsule: {}", stream, malformed.getMessage());
        abort(Http3ErrorCode.H3_MESSAGE_ERROR);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      flushRouted();
      ctx.fireChannelReadComplete();
    }

    /** The client ended the flow: the proxy ends its side too, and the session goes. */
    void clientFinished() {
      try {
        capsules.finish();
      } catch (CapsuleDecoder.MalformedCapsule truncated) {
        log.debug("{}: the capsule stream ended mid-capsule: {}", stream, truncated.getMessage());
        abort(Http3ErrorCode.H3_MESSAGE_ERROR);
        return;
      }
      stream.flush();
      Http3Fin.after(lastCapsule, stream, udp::close);
    }

    private void abort(Http3ErrorCode code) {
      capsules.close();
      stream.shutdown(code.code()).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      // an IdleStateEvent is ignored: the UDP session has its own idle check, and a flow whose
      // datagrams travel in QUIC DATAGRAM frames leaves its stream quiet
      if (event instanceof ChannelInputShutdownEvent) {
        clientFinished();
      }
      ReferenceCountUtil.release(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (Http3Failures.expected(cause)) {
        log.debug("{}: CONNECT-UDP stream failed: {}", stream, cause.toString());
      } else {
        log.warn("{}: unexpected error on a CONNECT-UDP stream", stream, cause);
      }
      ctx.close();
    }
  }
}
