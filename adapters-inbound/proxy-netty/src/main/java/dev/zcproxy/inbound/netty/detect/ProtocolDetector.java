package dev.zcproxy.inbound.netty.detect;

import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.http.h1.HttpFrontEnd;
import dev.zcproxy.inbound.netty.http.h2.Http2FrontEnd;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.socks.v4.Socks4Handler;
import dev.zcproxy.inbound.netty.socks.v4.Socks4RequestDecoder;
import dev.zcproxy.inbound.netty.socks.v5.Socks5GreetingDecoder;
import dev.zcproxy.inbound.netty.socks.v5.Socks5Handler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the first byte a client sends and installs that protocol's handlers behind itself, then
 * steps out of the way (sniff and replace). {@code 0x04} is SOCKS4/4a, {@code 0x05} is SOCKS5, and
 * the first letter of an HTTP method is an HTTP/1.1 proxy request ({@link HttpFrontEnd}). A {@code
 * P} may also start the HTTP/2 client preface ({@code PRI * HTTP/2.0...}, h2c with prior
 * knowledge), so it hands over to the {@link Http2PrefaceDetector}, which reads on until the bytes
 * tell the two apart. Anything else is closed without a word. Where TLS is configured, the {@link
 * TlsDetector} in front has already taken a TLS client's handshake record, and this detector sees
 * the decrypted bytes; a TLS record here (TLS not configured, or TLS inside TLS) gets no answer
 * rather than a wrong one.
 */
@Sharable
public final class ProtocolDetector extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);

  /** The protocol label of a connection before (or without) detection. */
  public static final String UNKNOWN = "unknown";

  public static final int SOCKS4_VERSION = 0x04;
  public static final int SOCKS5_VERSION = 0x05;

  private final ProxyContext context;
  private final HttpFrontEnd http;
  private final Http2FrontEnd http2;

  public ProtocolDetector(ProxyContext context) {
    this.context = context;
    this.http = new HttpFrontEnd(context);
    this.http2 = new Http2FrontEnd(context, http);
  }

  /** The HTTP/2 front end, whose streams count as tunnels. */
  public Http2FrontEnd http2() {
    return http2;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read(); // AUTO_READ is off from accept on: every read is asked for
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf data)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!data.isReadable()) {
      data.release();
      ctx.read();
      return;
    }
    int first = data.getUnsignedByte(data.readerIndex());
    ChannelPipeline pipeline = ctx.pipeline();
    String self = ctx.name();
    // SOCKS handlers go last, behind the handshake guard wherever the detector sits, so the guard
    // counts every byte of a SOCKS handshake.
    switch (first) {
      case SOCKS4_VERSION -> {
        context.metrics().connectionAccepted(Socks4Handler.PROTOCOL);
        pipeline.addLast(PipelineNames.SOCKS4_DECODER, new Socks4RequestDecoder());
        pipeline.addLast(PipelineNames.SOCKS4_HANDLER, new Socks4Handler(context));
      }
      case SOCKS5_VERSION -> {
        context.metrics().connectionAccepted(Socks5Handler.PROTOCOL);
        pipeline.addLast(PipelineNames.SOCKS5_INITIAL_DECODER, new Socks5GreetingDecoder());
        pipeline.addLast(PipelineNames.SOCKS5_HANDLER, new Socks5Handler(context));
      }
      case Http2PrefaceDetector.FIRST_BYTE -> {
        // POST, PUT, PATCH or the HTTP/2 preface: the next bytes tell
        pipeline.addAfter(
            self, PipelineNames.H2_PREFACE_DETECTOR, new Http2PrefaceDetector(http, http2));
      }
      default -> {
        if (HttpFrontEnd.startsRequest(first)) {
          http.install(ctx, data); // replays the bytes through the HTTP decoder itself
          return;
        }
        data.release();
        context.metrics().connectionRejected(UNKNOWN, "unknown_protocol");
        log.debug("{}: unknown protocol (first byte 0x{}), closing", ctx.channel(), hex(first));
        ctx.close();
        return;
      }
    }
    pipeline.remove(self);
    ctx.fireChannelRead(data); // still linked to the handler that followed it
  }

  private static String hex(int value) {
    return Integer.toHexString(0x100 | value).substring(1);
  }
}
