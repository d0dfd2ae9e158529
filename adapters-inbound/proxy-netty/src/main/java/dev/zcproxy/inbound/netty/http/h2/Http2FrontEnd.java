package dev.zcproxy.inbound.netty.http.h2;

import dev.zcproxy.inbound.netty.detect.FrontEnd;
import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.handshake.Plaintext;
import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.server.Drain;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/2 to the proxy on the shared port (h2c with prior knowledge, or TLS with ALPN {@code h2}):
 * Netty's frame codec and multiplexer on the client connection, one child channel per stream, each
 * served by an {@link Http2RequestStream} (CONNECT tunnels and forwarded {@code http://} requests).
 * The limits are Netty's protections, set explicitly:
 *
 * <ul>
 *   <li>{@value #MAX_CONCURRENT_STREAMS} concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS);
 *   <li>a header list of at most {@code limits.maxHeaderBytes} (SETTINGS_MAX_HEADER_LIST_SIZE,
 *       counted as RFC 9113 §6.5.2 says; a little past it the stream gets 431, a header block of
 *       CONTINUATION frames far past it is a connection error), and at most {@value
 *       #MAX_SMALL_CONTINUATION_FRAMES} small CONTINUATION frames in a row (CONTINUATION flood);
 *   <li>Rapid Reset (CVE-2023-44487): more than {@value #MAX_RST_FRAMES} RST_STREAM frames within
 *       {@value #RST_WINDOW_SECONDS} s is a connection error;
 *   <li>at most {@value #MAX_CONSECUTIVE_EMPTY_DATA_FRAMES} empty DATA frames in a row, and at most
 *       {@value #MAX_QUEUED_CONTROL_FRAMES} queued control frames (PING/SETTINGS floods).
 * </ul>
 *
 * The handshake is the preface: its guard is done once the codec takes over. From then on an idle
 * connection (no frame either way for {@code idleTimeout}) is closed, with every tunnel on it, and
 * an idle stream (no frame either way for {@code streamIdleTimeout}) is closed on its own: a
 * forwarded request still waiting for its response gets 504, anything else RST_STREAM(CANCEL). On
 * shutdown each connection gets GOAWAY ({@link Http2Session} on a {@link Drain}) and closes when
 * its streams are done.
 */
public final class Http2FrontEnd implements FrontEnd {
  /** Handler names: the connection's pipeline, then each stream's. */
  public static final String FRAME_CODEC = "h2-frame-codec";

  public static final String MULTIPLEX = "h2-multiplex";
  public static final String IDLE_TIMEOUT = "h2-idle-timeout";
  public static final String SESSION = "h2-session";
  public static final String STREAM_IDLE_TIMEOUT = "h2-stream-idle-timeout";
  public static final String REQUEST_STREAM = "h2-request-stream";
  public static final String FORWARD = "h2-forward";
  public static final String RELAY = "h2-relay";

  /** The metrics label. */
  public static final String PROTOCOL = "h2";

  static final int MAX_CONCURRENT_STREAMS = 100;
  static final int MAX_SMALL_CONTINUATION_FRAMES = 16;
  static final int MAX_RST_FRAMES = 200;
  static final int RST_WINDOW_SECONDS = 30;
  static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
  static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;

  /** How a request received over HTTP/2 is named in {@code Via}. */
  static final HttpVersion HTTP_2 = new HttpVersion("HTTP", 2, 0, true);

  private final ProxyContext context;
  private final HttpForwarding http;
  private final AtomicInteger activeStreams = new AtomicInteger();

  /**
   * @param http what forwarding shares with HTTP/1.1: the upstream pool and the {@code Via} name
   */
  public Http2FrontEnd(ProxyContext context, HttpForwarding http) {
    this.context = context;
    this.http = http;
  }

  /** Streams relaying now, over every connection: CONNECT tunnels and forwarding exchanges. */
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

  /**
   * Never by its first byte alone, which HTTP/1.1's POST, PUT and PATCH share: the HTTP/2 preface
   * sniffer hands the connection over once the whole preface has arrived.
   */
  @Override
  public boolean claims(int firstByte) {
    return false;
  }

  /**
   * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE, the same bound HTTP/1.1 puts on a
   *     header block
   */
  static Http2FrameCodec newCodec(int maxHeaderListSize) {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(
            Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(maxHeaderListSize))
        .validateHeaders(true)
        .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
        .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
        .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES)
        .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
        .build();
  }

  /**
   * Replaces {@code detector} with the HTTP/2 pipeline and replays the first bytes (the preface and
   * whatever followed it) through the codec. The codec goes behind the TLS layer, if any.
   */
  @Override
  public void install(ChannelHandlerContext detector, ByteBuf first) {
    context.metrics().connectionAccepted(PROTOCOL);
    ChannelPipeline pipeline = detector.pipeline();
    Http2Session session = new Http2Session(context);
    Duration idle = context.settings().timeouts().idle();
    Http2FrameCodec codec = newCodec(context.settings().limits().maxHeaderBytes());
    Plaintext.addFirst(pipeline, FRAME_CODEC, codec);
    pipeline.addAfter(
        FRAME_CODEC,
        MULTIPLEX,
        new Http2MultiplexHandler(new StreamInitializer(context, http, this, session)));
    pipeline.addAfter(
        MULTIPLEX,
        IDLE_TIMEOUT,
        new IdleStateHandler(false, 0, 0, idle.toNanos(), TimeUnit.NANOSECONDS));
    pipeline.addAfter(IDLE_TIMEOUT, SESSION, session);
    HandshakeGuard guard = pipeline.get(HandshakeGuard.class);
    if (guard != null) {
      guard.complete(PROTOCOL);
      pipeline.remove(guard);
    }
    pipeline.remove(detector.name());
    Plaintext.replay(pipeline, first); // into the codec
    // Flow control paces every stream from here; the connection itself is always read.
    pipeline.channel().config().setAutoRead(true);
  }

  /**
   * Puts an {@link Http2RequestStream} on each stream the client opens, with flow-control credit
   * returned by hand.
   */
  private static final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
    private final ProxyContext context;
    private final HttpForwarding http;
    private final Http2FrontEnd http2;
    private final Http2Session session;

    StreamInitializer(
        ProxyContext context, HttpForwarding http, Http2FrontEnd http2, Http2Session session) {
      this.context = context;
      this.http = http;
      this.http2 = http2;
      this.session = session;
    }

    @Override
    protected void initChannel(Http2StreamChannel stream) {
      Http2FlowCredit.manual(stream);
      session.track(stream);
      Duration idle = context.settings().timeouts().streamIdle();
      stream
          .pipeline()
          .addLast(
              STREAM_IDLE_TIMEOUT,
              new IdleStateHandler(false, 0, 0, idle.toNanos(), TimeUnit.NANOSECONDS))
          .addLast(REQUEST_STREAM, new Http2RequestStream(context, http, http2, session));
    }
  }
}
