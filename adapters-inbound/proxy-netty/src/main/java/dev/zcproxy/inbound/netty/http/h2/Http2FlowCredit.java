package dev.zcproxy.inbound.netty.http.h2;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelOption;

/**
 * Receive flow control of the client's streams, done by hand: Netty's multiplexer would return a
 * DATA frame's window credit (WINDOW_UPDATE) as soon as the frame is read, so a client could keep
 * sending while the upstream's socket is full and the proxy would hold the difference. With {@link
 * Http2StreamChannelOption#AUTO_STREAM_FLOW_CONTROL} off, the credit of each frame is given back
 * only once its bytes have left the proxy (the upstream write completed) or were dropped. So a
 * stream never holds more than its window (SETTINGS_INITIAL_WINDOW_SIZE) in the proxy, whatever the
 * upstream's pace. The connection window follows the streams' (Netty's local flow controller
 * returns both together).
 */
final class Http2FlowCredit {
  private Http2FlowCredit() {}

  /** Turns automatic credit off on a new stream, before it reads its first frame. */
  static void manual(Http2StreamChannel stream) {
    stream.config().setOption(Http2StreamChannelOption.AUTO_STREAM_FLOW_CONTROL, false);
  }

  /** The window a DATA frame took, padding included. */
  static int of(Object frame) {
    return frame instanceof Http2DataFrame data ? data.initialFlowControlledBytes() : 0;
  }

  /** Gives {@code bytes} of window back to the client; nothing once the stream is closed. */
  static void give(Channel stream, int bytes) {
    if (bytes > 0 && stream.isActive()) {
      stream.writeAndFlush(new DefaultHttp2WindowUpdateFrame(bytes));
    }
  }
}
