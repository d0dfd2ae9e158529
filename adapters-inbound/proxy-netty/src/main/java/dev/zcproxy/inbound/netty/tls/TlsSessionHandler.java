package dev.zcproxy.inbound.netty.tls;

import dev.zcproxy.inbound.netty.handshake.HandshakeGuard;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right behind a client's SslHandler, for the connection's whole life. It turns the handshake's end
 * into a log line and a metric (a failed handshake is closed quietly, never with a stack trace),
 * and the SslHandler's decoder errors back into the {@link SSLException} they wrap, an {@link
 * java.io.IOException}: the handlers behind treat those as what they are, a broken client
 * connection, at debug level.
 */
@Sharable
final class TlsSessionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TlsSessionHandler.class);

  private final ProxyMetrics metrics;

  TlsSessionHandler(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof SslHandshakeCompletionEvent completion) {
      if (completion.isSuccess()) {
        metrics.connectionAccepted(TlsFrontEnd.PROTOCOL);
        if (log.isDebugEnabled()) {
          SslHandler ssl = ctx.pipeline().get(SslHandler.class);
          log.debug(
              "{}: TLS established: {} {}, ALPN {}",
              ctx.channel(),
              ssl.engine().getSession().getProtocol(),
              ssl.engine().getSession().getCipherSuite(),
              ssl.applicationProtocol());
        }
      } else {
        // A timeout was counted by the guard that cut the handshake short; this is its echo.
        if (!HandshakeGuard.hasTripped(ctx.channel())) {
          metrics.connectionRejected(TlsFrontEnd.PROTOCOL, TlsFrontEnd.HANDSHAKE_FAILED);
        }
        log.debug("{}: TLS handshake failed: {}", ctx.channel(), completion.cause().toString());
        ctx.close();
      }
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.fireExceptionCaught(unwrap(cause));
  }

  private static Throwable unwrap(Throwable cause) {
    if (cause instanceof NotSslRecordException notTls) {
      return new SSLException("not a TLS record", notTls);
    }
    if (cause instanceof DecoderException && cause.getCause() instanceof SSLException tls) {
      return tls;
    }
    return cause;
  }
}
