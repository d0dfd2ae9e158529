package dev.zcproxy.inbound.netty.http.h1;

import dev.zcproxy.inbound.netty.http.HttpLimits;
import dev.zcproxy.inbound.netty.http.HttpRejection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Netty's request decoder with explicit limits, made strict enough for a proxy: {@link
 * HttpHeadScanner} checks every head before Netty parses it. A rejected head becomes a failed
 * request message, as Netty's own failures do, and everything after it is discarded.
 *
 * <p>It also knows CONNECT: once a CONNECT head is decoded, the bytes behind it belong to the
 * tunnel (a client may start its TLS handshake without waiting for the 200), so they are passed on
 * as they are instead of being parsed as the next request.
 */
final class HttpStrictRequestDecoder extends HttpRequestDecoder {
  public static final int MAX_REQUEST_LINE = HttpLimits.MAX_REQUEST_LINE;

  /** The largest piece of a body one message carries: bodies stream, they are never gathered. */
  public static final int MAX_CONTENT_PIECE = HttpLimits.MAX_CONTENT_PIECE;

  private enum Mode {
    HTTP,
    TUNNEL,
    REJECTED
  }

  private final int maxHeaderBytes;
  private final HttpHeadScanner scanner = new HttpHeadScanner();
  private Mode mode = Mode.HTTP;
  private boolean connectHead;

  /**
   * @param maxHeaderBytes the largest header block (request line excluded) before 431
   */
  HttpStrictRequestDecoder(int maxHeaderBytes) {
    super(
        new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_REQUEST_LINE)
            .setMaxHeaderSize(maxHeaderBytes)
            .setMaxChunkSize(MAX_CONTENT_PIECE)
            .setValidateHeaders(true)
            .setStrictLineParsing(true)
            .setAllowDuplicateContentLengths(false)
            .setUseRfc9112TransferEncoding(true));
    this.maxHeaderBytes = maxHeaderBytes;
  }

  /** Whether part of a request head has arrived and the rest has not. */
  boolean midRequestHead() {
    return mode == Mode.HTTP && scanner.scanning() && scanner.started();
  }

  /**
   * The bytes behind a CONNECT head that have not been passed on yet (they arrived in the same read
   * and the tunnel came up before the decoder got to them), or null. The caller owns them.
   */
  ByteBuf takeUndecoded() {
    ByteBuf pending = internalBuffer();
    return mode == Mode.TUNNEL && pending.isReadable()
        ? pending.readBytes(pending.readableBytes())
        : null;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    switch (mode) {
      case HTTP -> decodeHttp(ctx, buffer, out);
      case TUNNEL -> out.add(buffer.readBytes(buffer.readableBytes()));
      case REJECTED -> buffer.skipBytes(buffer.readableBytes());
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (mode == Mode.HTTP) {
      super.decodeLast(ctx, buffer, out);
    } else if (buffer.isReadable()) {
      decode(ctx, buffer, out);
    }
  }

  private void decodeHttp(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (scanner.scanning()) {
      HttpRejection rejection = scanner.scan(buffer);
      if (rejection != null) {
        buffer.skipBytes(buffer.readableBytes());
        HttpMessage invalid = createInvalidMessage();
        invalid.setDecoderResult(DecoderResult.failure(rejection));
        out.add(invalid);
        mode = Mode.REJECTED;
        return;
      }
    }
    int first = out.size();
    super.decode(ctx, buffer, out);
    for (int i = first; i < out.size(); i++) {
      if (!follow(out.get(i))) {
        ReferenceCountUtil.release(out.remove(i--));
      }
    }
  }

  /**
   * Keeps up with the messages Netty emits: a failure ends decoding, a message end resets. Returns
   * false for a message that must not be passed on: the end marker of a CONNECT head. The handler
   * may set the tunnel up (and remove this decoder) while it handles the head, and a marker fired
   * after that would reach the end of the pipeline.
   */
  private boolean follow(Object message) {
    if (message instanceof HttpObject object && object.decoderResult().isFailure()) {
      if (object instanceof HttpRequest
          && object.decoderResult().cause() instanceof TooLongHttpHeaderException) {
        // Netty's message names no limit; ours names the configured one. (Trailers too long
        // are a bad body, not a bad head.)
        object.setDecoderResult(
            DecoderResult.failure(HttpRejection.headersTooLarge(maxHeaderBytes)));
      }
      mode = Mode.REJECTED;
      return true;
    }
    if (message instanceof HttpRequest request) {
      connectHead = HttpMethod.CONNECT.equals(request.method());
    }
    if (message instanceof LastHttpContent) {
      if (connectHead) {
        mode = Mode.TUNNEL;
        return false;
      }
      scanner.reset();
    }
    return true;
  }
}
