package dev.zcproxy.inbound.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The responses the proxy writes itself: its refusals and the answer to a CONNECT. */
public final class HttpResponses {

  /** RFC 7617, with UTF-8 user names and passwords. */
  public static final String BASIC_CHALLENGE = "Basic realm=\"zcproxy\", charset=\"UTF-8\"";

  /** RFC 4559: SPNEGO, offered when Kerberos is set up. */
  static final String NEGOTIATE_CHALLENGE = "Negotiate";

  static final HttpResponseStatus CONNECTION_ESTABLISHED =
      new HttpResponseStatus(200, "Connection established");

  private HttpResponses() {}

  /**
   * The error response for a rejection: a short text body, and {@code Connection: close} because
   * the proxy closes every connection it refuses a request on.
   */
  public static FullHttpResponse forRejection(HttpRejection rejection) {
    return forRejection(rejection, false);
  }

  /**
   * The same; the answer to a HEAD request has the body's headers but not the body (RFC 9110
   * §9.3.2).
   */
  public static FullHttpResponse forRejection(HttpRejection rejection, boolean headRequest) {
    byte[] body = (rejection.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            rejection.status(),
            headRequest ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    for (String challenge : rejection.challenges()) {
      response.headers().add(HttpHeaderNames.PROXY_AUTHENTICATE, challenge);
    }
    return response;
  }

  /** RFC 9110 §9.3.6: a 2xx to CONNECT has no content and no framing headers. */
  public static FullHttpResponse connectionEstablished() {
    return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED);
  }

  /**
   * The response as bytes, for the handshake guard: it writes below the HTTP encoder, so what it
   * sends must already be on-the-wire HTTP. Releases the response.
   */
  public static ByteBuf encode(ByteBufAllocator allocator, FullHttpResponse response) {
    try {
      StringBuilder head = new StringBuilder(128);
      head.append(response.protocolVersion().text())
          .append(' ')
          .append(response.status().code())
          .append(' ')
          .append(response.status().reasonPhrase())
          .append("\r\n");
      for (Map.Entry<String, String> header : response.headers()) {
        head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
      }
      head.append("\r\n");
      byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
      ByteBuf encoded = allocator.buffer(headBytes.length + response.content().readableBytes());
      return encoded.writeBytes(headBytes).writeBytes(response.content());
    } finally {
      response.release();
    }
  }
}
