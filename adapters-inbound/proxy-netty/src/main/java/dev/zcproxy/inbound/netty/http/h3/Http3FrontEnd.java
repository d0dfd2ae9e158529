package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/3 to the proxy (RFC 9114), on each QUIC connection the QUIC listener admits: Netty's HTTP/3
 * codec, one {@link Http3RequestStream} per request stream (CONNECT tunnels, CONNECT-UDP flows,
 * forwarded {@code http://} requests), and an {@link Http3Session} for what the connection's
 * streams share.
 *
 * <p>The proxy's SETTINGS: {@code SETTINGS_ENABLE_CONNECT_PROTOCOL=1} (RFC 9220, for CONNECT-UDP's
 * extended CONNECT), {@code SETTINGS_H3_DATAGRAM=1} (RFC 9297), {@code
 * SETTINGS_MAX_FIELD_SECTION_SIZE} at {@code limits.maxHeaderBytes}, and a QPACK dynamic table of 0
 * bytes: the decoder then keeps no state a client can grow (RFC 9204 §3.2.3), and no stream ever
 * waits on another's table updates.
 *
 * <p>Limits: concurrent request streams are QUIC's own ({@code quic.maxStreamsPerConnection}, as
 * initial_max_streams_bidi); a header section past the limit is the codec's H3_EXCESSIVE_LOAD; a
 * client that opens and cancels streams faster than {@value Http3Session#MAX_CANCELLED_STREAMS} per
 * {@value Http3Session#CANCEL_WINDOW_SECONDS} s (the HTTP/3 form of Rapid Reset) loses its
 * connection with H3_EXCESSIVE_LOAD; an idle stream is closed after {@code streamIdleTimeout}.
 */
public final class Http3FrontEnd {
  /** Handler names on each request stream's pipeline. */
  public static final String RESET_ON_CLOSE = "h3-reset-on-close";

  public static final String STREAM_IDLE_TIMEOUT = "h3-stream-idle-timeout";

  public static final String REQUEST_STREAM = "h3-request-stream";
  public static final String FORWARD = "h3-forward";
  public static final String RELAY = "h3-relay";

  /** The handler name of the session, on each QUIC connection's pipeline. */
  public static final String SESSION = "h3-session";

  /** The metrics label of HTTP/3 CONNECT tunnels and forwarded requests. */
  public static final String PROTOCOL = "h3";

  /** The metrics label of CONNECT-UDP flows. */
  public static final String CONNECT_UDP = "connect-udp";

  /** How a request received over HTTP/3 is named in {@code Via}. */
  static final HttpVersion HTTP_3 = new HttpVersion("HTTP", 3, 0, true);

  private final ProxyContext context;
  private final HttpForwarding http;
  private final QuicMetrics metrics;
  private final AtomicInteger activeStreams = new AtomicInteger();

  /**
   * @param http what forwarding shares with HTTP/1.1 and HTTP/2: the upstream pool and the {@code
   *     Via} name
   */
  public Http3FrontEnd(ProxyContext context, HttpForwarding http, QuicMetrics metrics) {
    this.context = context;
    this.http = http;
    this.metrics = metrics;
  }

  /** The labels this front end reports tunnels and bytes under. */
  public static List<String> protocols() {
    return List.of(PROTOCOL, CONNECT_UDP);
  }

  /** Streams relaying now, over every connection: tunnels, flows and forwarding exchanges. */
  public int activeStreams() {
    return activeStreams.get();
  }

  /** Counts a stream that started relaying; the returned action counts it out, once. */
  Runnable streamStarted() {
    activeStreams.incrementAndGet();
    AtomicBoolean ended = new AtomicBoolean();
    return () -> {
      if (ended.compareAndSet(false, true)) {
        activeStreams.decrementAndGet();
      }
    };
  }

  /** What the QUIC listener puts on each admitted connection. */
  public ChannelHandler connectionHandler() {
    return new ConnectionInitializer();
  }

  Http3Settings settings() {
    return new Http3Settings()
        .enableConnectProtocol(true)
        .enableH3Datagram(true)
        .maxFieldSectionSize(context.settings().limits().maxHeaderBytes());
  }

  @ChannelHandler.Sharable
  private final class ConnectionInitializer extends ChannelInitializer<QuicChannel> {
    @Override
    protected void initChannel(QuicChannel connection) {
      Http3Session session = new Http3Session(context, metrics);
      connection
          .pipeline()
          .addLast(
              new Http3ServerConnectionHandler(
                  new StreamInitializer(session),
                  session.controlStreamObserver(),
                  null,
                  new DefaultHttp3SettingsFrame(settings()),
                  true))
          .addLast(SESSION, session);
    }
  }

  /** Puts an {@link Http3RequestStream} and an idle timer on each request stream. */
  @ChannelHandler.Sharable
  private final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
    private final Http3Session session;

    StreamInitializer(Http3Session session) {
      this.session = session;
    }

    @Override
    protected void initChannel(QuicStreamChannel stream) {
      session.track(stream);
      Duration idle = context.settings().timeouts().streamIdle();
      stream
          .pipeline()
          .addLast(RESET_ON_CLOSE, Http3StreamReset.INSTANCE)
          .addLast(
              STREAM_IDLE_TIMEOUT,
              new IdleStateHandler(false, 0, 0, idle.toNanos(), TimeUnit.NANOSECONDS))
          .addLast(
              REQUEST_STREAM,
              new Http3RequestStream(context, http, Http3FrontEnd.this, session, metrics));
    }
  }
}
