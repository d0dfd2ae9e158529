package dev.zcproxy.inbound.netty.http.h1;

import dev.zcproxy.inbound.netty.handshake.PipelineNames;
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
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 proxy on the shared port: what every HTTP connection of one server shares (the
 * upstream connection pool and the name the proxy goes by in {@code Via}), and the pipeline it
 * installs once the detector has seen a request's first byte.
 */
public final class HttpFrontEnd {

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

  public HttpUpstreamPool pool() {
    return pool;
  }

  /**
   * This proxy's name in {@code Via} (RFC 9110 §7.6.3): random per server, so that two proxies in a
   * chain never take each other's entry for a loop.
   */
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
  public void install(ChannelHandlerContext detector, ByteBuf first) {
    context.metrics().connectionAccepted(PROTOCOL);
    ChannelPipeline pipeline = detector.pipeline();
    HttpStrictRequestDecoder decoder =
        new HttpStrictRequestDecoder(context.settings().maxHeaderBytes());
    Duration idle = context.settings().idleTimeout();
    // Behind the TLS layer, if any: the decoder must see decrypted bytes.
    ChannelHandlerContext tls = pipeline.context(PipelineNames.TLS_SESSION);
    if (tls == null) {
      pipeline.addFirst(PipelineNames.HTTP_REQUEST_DECODER, decoder);
    } else {
      pipeline.addAfter(PipelineNames.TLS_SESSION, PipelineNames.HTTP_REQUEST_DECODER, decoder);
    }
    pipeline.addLast(PipelineNames.HTTP_RESPONSE_ENCODER, new HttpResponseEncoder());
    pipeline.addLast(
        PipelineNames.HTTP_IDLE_TIMEOUT,
        new IdleStateHandler(false, 0, 0, idle.toNanos(), TimeUnit.NANOSECONDS));
    pipeline.addLast(PipelineNames.HTTP_HANDLER, new HttpProxyHandler(context, this, decoder));
    pipeline.remove(detector.name());
    if (tls == null) {
      pipeline.fireChannelRead(first);
    } else {
      tls.fireChannelRead(first); // into the decoder, not back into the SslHandler
    }
  }

  private static String newPseudonym() {
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    return "zcproxy-" + HexFormat.of().formatHex(random);
  }
}
