package dev.zcproxy.inbound.netty.http.h3;

import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * Ends a request stream's sending side with FIN behind everything written before. Netty sends the
 * FIN straight to QUIC, past the HTTP/3 codec, which may still hold frames written before it; so
 * the FIN waits for the last write to have gone through. It is then sent from a task of its own on
 * the event loop, always: from inside a read, a read-complete or a write listener, QUIC may be past
 * the point where it sends what the handlers queued, and leave the FIN unsent until the next packet
 * arrives, which for a finished flow is never (seen with Kwik clients, about one flow in 30).
 */
final class Http3Fin {
  private Http3Fin() {}

  /**
   * @param lastWrite the last frame written to {@code stream}, or null when nothing is pending
   * @param then run once the FIN has been handed to QUIC (or failed), or null
   */
  static void after(ChannelFuture lastWrite, QuicStreamChannel stream, Runnable then) {
    Runnable fin =
        () -> {
          ChannelFuture sent = stream.shutdownOutput();
          if (then != null) {
            sent.addListener(done -> then.run());
          }
        };
    if (lastWrite == null || lastWrite.isDone()) {
      stream.eventLoop().execute(fin);
    } else {
      lastWrite.addListener(written -> stream.eventLoop().execute(fin));
    }
  }
}
