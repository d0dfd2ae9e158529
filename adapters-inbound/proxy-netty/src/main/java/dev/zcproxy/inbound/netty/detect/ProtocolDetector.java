package dev.zcproxy.inbound.netty.detect;

import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the first byte a client sends and hands the connection to the first {@link FrontEnd}
 * that claims it, which installs its protocol's handlers in the detector's place (sniff and
 * replace). The server's wiring decides the front ends and their order: SOCKS4/4a on {@code 0x04},
 * SOCKS5 on {@code 0x05}, the HTTP/2 preface sniffer ({@link Http2PrefaceDetector}) on {@code P},
 * then HTTP/1.1 on the first letter of a method. Anything no front end claims is closed without a
 * word. Where TLS is configured, the TLS sniffer in front has already taken a TLS client's
 * handshake record, and this detector sees the decrypted bytes; a TLS record here (TLS not
 * configured, or TLS inside TLS) gets no answer rather than a wrong one.
 */
@Sharable
public final class ProtocolDetector extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);

  /** The protocol label of a connection before (or without) detection. */
  public static final String UNKNOWN = "unknown";

  private final ProxyMetrics metrics;
  private final List<FrontEnd> frontEnds;

  /**
   * @param frontEnds asked in this order; the first that claims a first byte gets the connection
   */
  public ProtocolDetector(ProxyMetrics metrics, List<FrontEnd> frontEnds) {
    this.metrics = metrics;
    this.frontEnds = List.copyOf(frontEnds);
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
    for (FrontEnd frontEnd : frontEnds) {
      if (frontEnd.claims(first)) {
        frontEnd.install(ctx, data);
        return;
      }
    }
    data.release();
    metrics.connectionRejected(UNKNOWN, "unknown_protocol");
    log.debug("{}: unknown protocol (first byte 0x{}), closing", ctx.channel(), hex(first));
    ctx.close();
  }

  private static String hex(int value) {
    return Integer.toHexString(0x100 | value).substring(1);
  }
}
