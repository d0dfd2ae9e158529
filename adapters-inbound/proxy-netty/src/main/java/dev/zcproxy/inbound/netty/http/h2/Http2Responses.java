package dev.zcproxy.inbound.netty.http.h2;

import dev.zcproxy.inbound.netty.http.HttpRejection;
import dev.zcproxy.inbound.netty.http.HttpResponses;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;

/** The responses the proxy writes itself on an HTTP/2 stream: its refusals. */
final class Http2Responses {
  private Http2Responses() {}

  /**
   * Answers a stream with the rejection's status and its text (like {@link
   * HttpResponses#forRejection}), ending the stream; then, if the client has not ended its side,
   * RST_STREAM(NO_ERROR): RFC 9113 §8.1, the response is complete and the request need not be.
   *
   * @param headRequest no body then, only its headers
   * @param clientEnded whether the client has sent END_STREAM
   */
  static void refuse(
      Channel stream, HttpRejection rejection, boolean headRequest, boolean clientEnded) {
    if (!stream.isActive()) {
      return;
    }
    byte[] body = (rejection.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
    Http2Headers headers =
        new DefaultHttp2Headers()
            .status(rejection.status().codeAsText())
            .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (rejection.status().equals(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED)) {
      for (String challenge : rejection.challenges()) {
        headers.add(HttpHeaderNames.PROXY_AUTHENTICATE, challenge);
      }
    }
    ChannelFuture sent;
    if (headRequest) {
      sent = stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
    } else {
      stream.write(new DefaultHttp2HeadersFrame(headers, false));
      sent = stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
    }
    if (!clientEnded) {
      sent.addListener(
          done -> {
            if (stream.isActive()) {
              stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            }
          });
    }
  }
}
