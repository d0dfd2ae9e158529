package dev.zcproxy.inbound.netty.http.h3;

import dev.zcproxy.inbound.netty.http.HttpRejection;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.nio.charset.StandardCharsets;

/** The responses the proxy writes itself on an HTTP/3 request stream: its refusals. */
final class Http3Responses {
  private Http3Responses() {}

  /**
   * Answers a stream with the rejection's status and its text, then FIN; if the client has not
   * ended its request, STOP_SENDING with H3_NO_ERROR (RFC 9114 §4.1: the response is complete, the
   * rest of the request is not needed).
   *
   * @param headRequest no body then, only its headers
   * @param clientEnded whether the client has sent its FIN
   */
  static void refuse(
      QuicStreamChannel stream, HttpRejection rejection, boolean headRequest, boolean clientEnded) {
    if (!stream.isActive()) {
      return;
    }
    byte[] body = (rejection.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
    Http3Headers headers =
        new DefaultHttp3Headers()
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
      sent = stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers));
    } else {
      stream.write(new DefaultHttp3HeadersFrame(headers));
      sent = stream.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(body)));
    }
    Http3Fin.after(sent, stream, null);
    if (!clientEnded) {
      stream.shutdownInput(Http3ErrorCode.H3_NO_ERROR.code());
    }
  }
}
