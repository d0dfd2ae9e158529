package dev.zcproxy.inbound.netty.http.h1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyTestKit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers for the HTTP proxy's embedded tests: raw HTTP text in and out. */
public final class HttpTestKit {
  static final Pattern VIA = Pattern.compile("(?im)^via: 1\\.1 (zcproxy-[0-9a-f]{8})$");

  private HttpTestKit() {}

  /**
   * Settings whose handshake byte cap lets an oversized head through in one read. The handshake
   * guard sits in front of the protocol detector, so it counts the read that brings the first byte
   * before anyone knows the connection is HTTP; only later reads bypass its cap.
   */
  static ProxyServerSettings roomyFirstRead() {
    return ProxyTestKit.settings(1 << 20, 0, 0, 0);
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Basic credentials as a client sends them. */
  public static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Everything the channel wrote so far, as text; the buffers are released. */
  static String text(EmbeddedChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object message; (message = channel.readOutbound()) != null; ) {
      ByteBuf buffer = (ByteBuf) message;
      byte[] bytes = new byte[buffer.readableBytes()];
      buffer.readBytes(bytes);
      buffer.release();
      out.writeBytes(bytes);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** The upstream (origin) side writes raw bytes towards the proxy. */
  static void respond(EmbeddedChannel upstream, String raw) {
    upstream.writeInbound(PooledByteBufAllocator.DEFAULT.buffer().writeBytes(ascii(raw)));
  }

  /** The head of an HTTP message, lower-cased names: for order-independent header checks. */
  static List<String> headLines(String message) {
    int end = message.indexOf("\r\n\r\n");
    String head = end < 0 ? message : message.substring(0, end);
    return head.lines()
        .map(
            line -> {
              int colon = line.indexOf(':');
              return colon < 0
                  ? line
                  : line.substring(0, colon).toLowerCase(Locale.ROOT) + line.substring(colon);
            })
        .toList();
  }

  static String body(String message) {
    int end = message.indexOf("\r\n\r\n");
    return end < 0 ? "" : message.substring(end + 4);
  }

  static String statusLine(String message) {
    int end = message.indexOf("\r\n");
    return end < 0 ? message : message.substring(0, end);
  }

  /** Parses what the origin received (one whole request), for checks on framing and body. */
  static FullHttpRequest parseRequest(String raw) {
    EmbeddedChannel parser =
        new EmbeddedChannel(new HttpRequestDecoder(), new HttpObjectAggregator(1 << 20));
    parser.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    FullHttpRequest request = parser.readInbound();
    assertThat(request).as("a whole request in %s", raw).isNotNull();
    assertThat(request.decoderResult().isSuccess()).as(raw).isTrue();
    parser.finishAndReleaseAll();
    return request;
  }

  /** Parses what the client received (one whole response to a non-HEAD request). */
  static FullHttpResponse parseResponse(String raw) {
    EmbeddedChannel parser =
        new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
    parser.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    parser.finish(); // a close-delimited body ends here
    FullHttpResponse response = parser.readInbound();
    assertThat(response).as("a whole response in %s", raw).isNotNull();
    assertThat(response.decoderResult().isSuccess()).as(raw).isTrue();
    parser.finishAndReleaseAll();
    return response;
  }

  static String content(FullHttpMessage message) {
    try {
      return message.content().toString(StandardCharsets.ISO_8859_1);
    } finally {
      message.release();
    }
  }

  /** The proxy's name, taken from a message it forwarded. */
  static String pseudonym(String forwarded) {
    Matcher via = VIA.matcher(forwarded);
    assertThat(via.find()).as("a Via header in %s", forwarded).isTrue();
    return via.group(1);
  }
}
