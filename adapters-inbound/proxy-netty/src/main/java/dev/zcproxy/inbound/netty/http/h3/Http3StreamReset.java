package dev.zcproxy.inbound.netty.http.h3;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * Makes closing a request stream whose response is not finished a reset. Netty closes a QUIC stream
 * by sending FIN, which would tell the client that a tunnel cut by a policy change, an upstream
 * that failed or a forwarded response cut short had ended cleanly. A stream whose output is still
 * open when it is closed (by the proxy: revocation, idleness, errors; or after the client reset it)
 * is therefore reset first with H3_REQUEST_CANCELLED (RFC 9114 §4.1.1). A stream whose FIN has gone
 * out closes as it is.
 *
 * <p>Only the sending side is reset. Also shutting down the receiving side (STOP_SENDING) of a
 * stream the client has reset keeps quiche from ever retiring it, so its MAX_STREAMS credit never
 * comes back and the connection can open no more streams once {@code maxStreamsPerConnection}
 * resets have happened (seen with quiche through Netty 4.2.18); a client that gets RESET_STREAM
 * stops sending anyway.
 */
@ChannelHandler.Sharable
final class Http3StreamReset extends ChannelDuplexHandler {
  static final Http3StreamReset INSTANCE = new Http3StreamReset();

  private Http3StreamReset() {}

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
    if (stream.isActive() && !stream.isOutputShutdown()) {
      stream.shutdownOutput(Http3ErrorCode.H3_REQUEST_CANCELLED.code(), stream.newPromise());
    }
    ctx.close(promise);
  }
}
