package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.http.h3.masque.HttpDatagrams;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.server.Drain;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3SettingIdentifier;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in a QUIC connection's pipeline, behind the HTTP/3 codec: what the connection's request
 * streams share (the users admitted on it, the last credentials that passed, the CONNECT-UDP flows
 * its HTTP Datagrams go to), the count of cancelled streams, and graceful shutdown. Touched only on
 * the connection's event loop, where its streams live too.
 */
final class Http3Session extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http3Session.class);

  /**
   * Streams a client may cancel (reset, or close before its answer) within {@link
   * #CANCEL_WINDOW_SECONDS}: the bound HTTP/2 puts on Rapid Reset (CVE-2023-44487), for HTTP/3.
   */
  static final int MAX_CANCELLED_STREAMS = 200;

  static final int CANCEL_WINDOW_SECONDS = 30;

  /** H3_DATAGRAM_ERROR (RFC 9297 §2.1); Netty 4.2.18's error codes do not list it. */
  static final int H3_DATAGRAM_ERROR = 0x33;

  /** Receives the HTTP Datagrams of one request stream (a CONNECT-UDP flow). */
  interface DatagramReceiver {
    /**
     * One HTTP Datagram for this stream: its context ID and what follows it, a buffer valid only
     * during the call (the caller releases the datagram it is part of).
     */
    void datagram(long contextId, ByteBuf payload);

    /** The read batch is over: flush what went out. */
    void datagramsRead();
  }

  private final ProxyContext context;
  private final QuicMetrics metrics;
  private final Set<Principal> admittedUsers = new HashSet<>();
  private final Set<QuicStreamChannel> streams = new HashSet<>();
  private final Map<Long, DatagramReceiver> flows = new HashMap<>();
  private final Set<DatagramReceiver> readThisBatch = new HashSet<>();
  private ChannelHandlerContext ctx;
  private String acceptedAuthorization;
  private Principal acceptedPrincipal;
  private long cancelWindowStartNanos = System.nanoTime();
  private int cancelledInWindow;
  private boolean peerSupportsDatagrams;
  private boolean clientSentH3Datagram;
  private int maxDatagramBytes;

  Http3Session(ProxyContext context, QuicMetrics metrics) {
    this.context = context;
    this.metrics = metrics;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  QuicChannel connection() {
    return (QuicChannel) ctx.channel();
  }

  /** The principal of {@code authorization} if it passed before on this connection, else null. */
  Principal remembered(String authorization) {
    return authorization.equals(acceptedAuthorization) ? acceptedPrincipal : null;
  }

  void remember(String authorization, Principal principal) {
    acceptedAuthorization = authorization;
    acceptedPrincipal = principal;
  }

  /** Counts the connection against the user's limit once, like an HTTP/2 connection. */
  boolean admit(Channel connection, Principal principal) {
    if (admittedUsers.contains(principal)) {
      return true;
    }
    if (!context.limits().admitUser(connection, principal)) {
      return false;
    }
    admittedUsers.add(principal);
    return true;
  }

  void track(QuicStreamChannel stream) {
    streams.add(stream);
    stream.closeFuture().addListener(closed -> streams.remove(stream));
  }

  /**
   * A stream the client gave up on before the proxy answered it, or reset while relaying. Past
   * {@link #MAX_CANCELLED_STREAMS} in {@link #CANCEL_WINDOW_SECONDS}, the connection is closed with
   * H3_EXCESSIVE_LOAD: opening and cancelling streams costs the client a packet and the proxy an
   * authentication, a DNS query or a connect.
   */
  void streamCancelled() {
    long now = System.nanoTime();
    if (now - cancelWindowStartNanos > TimeUnit.SECONDS.toNanos(CANCEL_WINDOW_SECONDS)) {
      cancelWindowStartNanos = now;
      cancelledInWindow = 0;
    }
    if (++cancelledInWindow > MAX_CANCELLED_STREAMS && ctx.channel().isOpen()) {
      log.debug(
          "{}: more than {} streams cancelled within {} s, closing with H3_EXCESSIVE_LOAD",
          ctx.channel(),
          MAX_CANCELLED_STREAMS,
          CANCEL_WINDOW_SECONDS);
      closeWith(Http3ErrorCode.H3_EXCESSIVE_LOAD, "too many cancelled streams");
    }
  }

  private void closeWith(Http3ErrorCode code, String reason) {
    closeWith(code.code(), reason);
  }

  private void closeWith(int code, String reason) {
    connection().close(true, code, Unpooled.copiedBuffer(reason, StandardCharsets.US_ASCII));
  }

  /**
   * Whether the client takes HTTP Datagrams in QUIC DATAGRAM frames: it sent SETTINGS_H3_DATAGRAM=1
   * (RFC 9297 §2.1.1) and the QUIC datagram extension is on (max_datagram_frame_size, RFC 9221).
   * Until its SETTINGS arrive, the answer is no, and a flow answers in capsules.
   */
  boolean datagramsToClient() {
    return clientSentH3Datagram && peerSupportsDatagrams;
  }

  /**
   * The largest QUIC DATAGRAM payload the client takes over this path, as QUIC said when the
   * handshake completed (the client's max_datagram_frame_size and its max_udp_payload_size, less
   * the packet's overhead).
   */
  int maxDatagramBytes() {
    return maxDatagramBytes;
  }

  /**
   * Sees the client's SETTINGS on its control stream (Netty's codec has checked them and answers
   * everything else itself).
   */
  ChannelInboundHandlerAdapter controlStreamObserver() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http3SettingsFrame settings) {
          Long h3Datagram =
              settings.settings().get(Http3SettingIdentifier.HTTP3_SETTINGS_H3_DATAGRAM.id());
          clientSentH3Datagram = h3Datagram != null && h3Datagram == 1L;
        }
        ReferenceCountUtil.release(msg);
      }
    };
  }

  /** From now on the HTTP Datagrams for {@code streamId} go to {@code receiver}. */
  void addFlow(long streamId, DatagramReceiver receiver) {
    flows.put(streamId, receiver);
  }

  void removeFlow(long streamId) {
    flows.remove(streamId);
  }

  /**
   * QUIC DATAGRAM frames arrive as buffers; anything else goes on to the pipeline's tail, where
   * Netty registers each new stream channel (the HTTP/3 codec has set it up by then).
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf datagram) {
      onDatagram(datagram);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * A QUIC DATAGRAM frame: an HTTP Datagram for one of this connection's request streams. A
   * malformed Quarter Stream ID is a connection error (RFC 9297 §2.1, H3_DATAGRAM_ERROR); one for a
   * stream without a flow is dropped and counted.
   */
  private void onDatagram(ByteBuf datagram) {
    try {
      HttpDatagrams.QuicDatagram parsed;
      try {
        parsed = HttpDatagrams.parseQuicDatagram(datagram);
      } catch (HttpDatagrams.MalformedDatagram malformed) {
        metrics.dropped(QuicMetrics.Drop.MALFORMED);
        if (malformed.connectionError()) {
          log.debug("{}: {}, closing", ctx.channel(), malformed.getMessage());
          closeWith(H3_DATAGRAM_ERROR, malformed.getMessage());
        }
        return;
      }
      DatagramReceiver flow = flows.get(parsed.streamId());
      if (flow == null) {
        metrics.datagram(QuicMetrics.Direction.IN);
        metrics.dropped(QuicMetrics.Drop.NO_FLOW);
        return;
      }
      readThisBatch.add(flow);
      flow.datagram(parsed.contextId(), parsed.payload());
    } finally {
      datagram.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    for (DatagramReceiver flow : readThisBatch) {
      flow.datagramsRead();
    }
    readThisBatch.clear();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof QuicDatagramExtensionEvent datagrams) {
      peerSupportsDatagrams = true;
      maxDatagramBytes = datagrams.maxLength();
    } else if (event instanceof Drain drain) {
      goAway(drain.within());
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  /**
   * Graceful shutdown (RFC 9114 §5.2): GOAWAY naming the next stream ID, so no new request is
   * accepted and the open ones finish; the connection closes once they have, or after {@code
   * drain}.
   */
  private void goAway(Duration drain) {
    QuicChannel connection = connection();
    QuicStreamChannel control = Http3.getLocalControlStream(connection);
    long next = streams.stream().mapToLong(QuicStreamChannel::streamId).max().orElse(-4) + 4;
    if (control != null && control.isActive()) {
      control.writeAndFlush(new DefaultHttp3GoAwayFrame(next));
    }
    if (streams.isEmpty()) {
      closeWith(Http3ErrorCode.H3_NO_ERROR, "shutting down");
      return;
    }
    ctx.executor()
        .schedule(
            () -> closeWith(Http3ErrorCode.H3_NO_ERROR, "shutting down"),
            drain.toNanos(),
            TimeUnit.NANOSECONDS);
    for (QuicStreamChannel stream : List.copyOf(streams)) {
      stream
          .closeFuture()
          .addListener(
              closed -> {
                if (streams.isEmpty()) {
                  closeWith(Http3ErrorCode.H3_NO_ERROR, "shutting down");
                }
              });
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (QuicStreamChannel stream : List.copyOf(streams)) {
      stream.close();
    }
    flows.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{}: QUIC connection error: {}", ctx.channel(), cause.toString());
  }
}
