package dev.zcproxy.inbound.netty.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Tells the HTTP/2 client preface ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}, h2c with prior
 * knowledge) from an HTTP/1.1 request whose method starts with {@code P} (POST, PUT, PATCH). The
 * {@link ProtocolDetector} puts it in its own place on a first byte {@code P}; it keeps what it has
 * read, asks for more while every byte so far agrees with the preface, and decides at the first
 * byte that does not (HTTP/1.1) or once all 24 have matched (HTTP/2). Either way it hands
 * everything it kept to the chosen front end, which takes its place.
 *
 * <p>It holds fewer than 24 bytes while undecided, and the handshake guard in front bounds how long
 * it may wait for them. Stateful: one per connection.
 */
public final class Http2PrefaceDetector extends ChannelInboundHandlerAdapter {
  /** Its handler name. */
  public static final String NAME = "h2-preface-detector";

  static final char FIRST_BYTE = 'P';

  /** RFC 9113 §3.4. */
  static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  enum State {
    /** Every byte so far agrees with the preface; reading on. */
    MATCHING,
    /** A front end has taken the connection; this handler is on its way out. */
    DECIDED
  }

  enum Verdict {
    HTTP2,
    HTTP1,
    UNDECIDED
  }

  private final FrontEnd http;
  private final FrontEnd http2;
  private State state = State.MATCHING;
  private ByteBuf kept;

  Http2PrefaceDetector(FrontEnd http, FrontEnd http2) {
    this.http = http;
    this.http2 = http2;
  }

  /**
   * The front end the {@link ProtocolDetector} asks before HTTP/1.1: it claims a first byte {@code
   * P} and puts a preface detector in the protocol detector's place, which then chooses between
   * {@code http} and {@code http2}.
   */
  public static FrontEnd choosingBetween(FrontEnd http, FrontEnd http2) {
    return new FrontEnd() {
      @Override
      public boolean claims(int firstByte) {
        return firstByte == FIRST_BYTE;
      }

      @Override
      public void install(ChannelHandlerContext detector, ByteBuf first) {
        // POST, PUT, PATCH or the HTTP/2 preface: the next bytes tell
        ChannelPipeline pipeline = detector.pipeline();
        pipeline.addAfter(detector.name(), NAME, new Http2PrefaceDetector(http, http2));
        pipeline.remove(detector.name());
        detector.fireChannelRead(first); // still linked to the handler that followed it
      }
    };
  }

  /** What the readable bytes of {@code data} say so far. */
  static Verdict classify(ByteBuf data) {
    int length = PREFACE.length;
    int seen = Math.min(length, data.readableBytes());
    for (int i = 0; i < seen; i++) {
      if (data.getByte(data.readerIndex() + i) != PREFACE[i]) {
        return Verdict.HTTP1;
      }
    }
    return seen == length ? Verdict.HTTP2 : Verdict.UNDECIDED;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state != State.MATCHING || !(msg instanceof ByteBuf data)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    keep(ctx, data);
    switch (classify(kept)) {
      case UNDECIDED -> ctx.read();
      case HTTP1 -> {
        state = State.DECIDED;
        http.install(ctx, take());
      }
      case HTTP2 -> {
        state = State.DECIDED;
        http2.install(ctx, take());
      }
    }
  }

  private void keep(ChannelHandlerContext ctx, ByteBuf data) {
    if (kept == null) {
      kept = data;
      return;
    }
    ByteBuf joined = ctx.alloc().buffer(kept.readableBytes() + data.readableBytes());
    joined.writeBytes(kept).writeBytes(data);
    kept.release();
    data.release();
    kept = joined;
  }

  private ByteBuf take() {
    ByteBuf taken = kept;
    kept = null;
    return taken;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (kept != null) {
      kept.release();
      kept = null;
    }
  }

  /** For tests: where the detection stands. */
  State state() {
    return state;
  }
}
