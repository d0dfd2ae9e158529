package dev.zcproxy.inbound.netty.http.h1;

import dev.zcproxy.inbound.netty.detect.FrontEnd;
import dev.zcproxy.inbound.netty.handshake.Plaintext;
import dev.zcproxy.inbound.netty.http.HttpForwarding;
import dev.zcproxy.inbound.netty.http.HttpUpstreamPool;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 proxy on the shared port: what every HTTP connection of one server shares (the
 * upstream connection pool and the name the proxy goes by in {@code Via}), and the pipeline it
 * installs once the detector has seen a request's first byte.
 */
public final class HttpFrontEnd implements FrontEnd, HttpForwarding {
  /** Handler names of an HTTP/1.1 connection's pipeline. */
  public static final String REQUEST_DECODER = "http-request-decoder";

  public static final String RESPONSE_ENCODER = "http-response-encoder";
  public static final String IDLE_TIMEOUT = "http-idle-timeout";
  public static final String HANDLER = "http-handler";

  public static final List<String> HANDSHAKE_HANDLERS =
      List.of(REQUEST_DECODER, RESPONSE_ENCODER, IDLE_TIMEOUT, HANDLER);

  /** The metrics label. */
  public static final String PROTOCOL = "http";

  /** How long an idle upstream connection is kept for the next request. */
  static final Duration UPSTREAM_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** First letters of GET, POST, PUT, PATCH, CONNECT, HEAD, DELETE, OPTIONS, TRACE. */
  private static final String METHOD_INITIALS = "CDGHOPT";

  private final ProxyContext context;
  private final HttpUpstreamPool pool = new HttpUpstreamPool(UPSTREAM_IDLE_TIMEOUT);
  private final String pseudonym = newPseudonym();

  public HttpFrontEnd(ProxyContext context) {
    this.context = context;
  }

  /** Whether a connection's first byte starts one of the request methods the proxy serves. */
  public static boolean startsRequest(int firstByte) {
    return METHOD_INITIALS.indexOf(firstByte) >= 0;
  }

  @Override
  public boolean claims(int firstByte) {
    return startsRequest(firstByte);
  }

  @Override
  public HttpUpstreamPool pool() {
    return pool;
  }

  /** Random per server: see {@link HttpForwarding#pseudonym}. */
  @Override
  public String pseudonym() {
    return pseudonym;
  }

  /**
   * Replaces the detector with the HTTP pipeline and replays the first bytes through it.
   *
   * <p>The request decoder goes first (behind the TLS layer, if any), in front of the handshake
   * guard: the guard then sees decoded requests rather than bytes, so it still times the first
   * request head out, but its byte cap no longer applies. HTTP bounds its own heads (request line,
   * header bytes and count), and a request body is not handshake. (The read that brought the first
   * byte has passed the guard already while the guard is in front of the detector, so it was
   * counted.)
   */
  @Override
  public void install(ChannelHandlerContext detector, ByteBuf first) {
    context.metrics().connectionAccepted(PROTOCOL);
    ChannelPipeline pipeline = detector.pipeline();
    HttpStrictRequestDecoder decoder =
        new HttpStrictRequestDecoder(context.settings().limits().maxHeaderBytes());
    Duration idle = context.settings().timeouts().idle();
    Plaintext.addFirst(pipeline, REQUEST_DECODER, decoder);
    pipeline.addLast(RESPONSE_ENCODER, new HttpResponseEncoder());
    pipeline.addLast(
        IDLE_TIMEOUT, new IdleStateHandler(false, 0, 0, idle.toNanos(), TimeUnit.NANOSECONDS));
    pipeline.addLast(HANDLER, new HttpProxyHandler(context, this, decoder));
    pipeline.remove(detector.name());
    Plaintext.replay(pipeline, first);
  }

  private static String newPseudonym() {
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    return "zcproxy-" + HexFormat.of().formatHex(random);
  }
}
