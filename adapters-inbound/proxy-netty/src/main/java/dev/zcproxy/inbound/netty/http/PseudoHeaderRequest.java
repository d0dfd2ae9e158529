package dev.zcproxy.inbound.netty.http;

import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/**
 * An HTTP/2 or HTTP/3 request to forward (RFC 9113 §8.3.1, RFC 9114 §4.3.1: {@code :method}, {@code
 * :scheme http}, {@code :authority}, {@code :path}) as the HTTP/1.1 request head the forwarding
 * code takes: absolute form, {@code Host} from {@code :authority}, {@code Cookie} fields joined
 * (§8.2.3), and framing set from what the stream carries ({@code content-length} kept; a body
 * without one goes chunked). The head then passes the same checks as an HTTP/1.1 client's ({@link
 * HttpProxyRequest}), loop detection included.
 *
 * <p>Netty's codecs have already refused connection-specific fields and malformed pseudo-headers
 * with a stream error; what it lets through but the proxy cannot serve is refused here: {@code
 * https} (which goes through CONNECT) and a missing {@code :authority} with 400, other schemes and
 * {@code OPTIONS *} with 501.
 */
public final class PseudoHeaderRequest {
  private static final CharSequence PROTOCOL_PSEUDO_HEADER = ":protocol";

  private PseudoHeaderRequest() {}

  /**
   * @param headers the request's header section, pseudo-header fields included
   * @param endStream whether the request ended with its headers: it has no body
   * @throws HttpRejection when the request cannot be forwarded
   */
  public static HttpProxyRequest of(
      Headers<CharSequence, CharSequence, ?> headers, boolean endStream, String pseudonym)
      throws HttpRejection {
    CharSequence method = headers.get(":method");
    CharSequence scheme = headers.get(":scheme");
    CharSequence path = headers.get(":path");
    if (method == null || scheme == null || path == null) {
      throw HttpRejection.badRequest("a request needs :method, :scheme and :path");
    }
    if (headers.contains(PROTOCOL_PSEUDO_HEADER)) {
      throw HttpRejection.badRequest(":protocol belongs to an extended CONNECT only");
    }
    if ("https".contentEquals(scheme)) {
      throw HttpRejection.badRequest(
          "the proxy forwards http:// requests only; reach https:// origins with CONNECT");
    }
    if (!"http".contentEquals(scheme)) {
      throw new HttpRejection(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "unsupported_scheme",
          "only http:// requests are forwarded; use CONNECT for anything else");
    }
    CharSequence authority = headers.get(":authority");
    if (authority == null || authority.isEmpty()) {
      throw HttpRejection.badRequest("a forwarded request needs :authority (the origin host)");
    }
    String target = path.toString();
    if (target.equals("*")) {
      throw new HttpRejection(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "not_implemented",
          "OPTIONS * is about the proxy itself and is not forwarded");
    }
    if (!target.startsWith("/")) {
      throw HttpRejection.badRequest(":path must start with /");
    }
    HttpMethod httpMethod;
    try {
      httpMethod = HttpMethod.valueOf(method.toString());
    } catch (IllegalArgumentException invalid) {
      throw HttpRejection.badRequest("invalid :method");
    }
    HttpHeaders fields = new DefaultHttpHeaders();
    StringBuilder cookies = null;
    for (Map.Entry<CharSequence, CharSequence> field : headers) {
      CharSequence name = field.getKey();
      if (name.isEmpty() || name.charAt(0) == ':') {
        continue;
      }
      if (HttpHeaderNames.COOKIE.contentEqualsIgnoreCase(name)) {
        cookies = cookies == null ? new StringBuilder() : cookies.append("; ");
        cookies.append(field.getValue());
      } else {
        fields.add(name, field.getValue());
      }
    }
    if (cookies != null) {
      fields.set(HttpHeaderNames.COOKIE, cookies.toString());
    }
    // RFC 9113 §8.3.1: :authority wins over a Host field
    fields.set(HttpHeaderNames.HOST, authority.toString());
    fields.remove(HttpHeaderNames.TRANSFER_ENCODING);
    if (endStream) {
      fields.remove(HttpHeaderNames.CONTENT_LENGTH);
    } else if (!fields.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      fields.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    DefaultHttpRequest head =
        new DefaultHttpRequest(
            HttpVersion.HTTP_1_1, httpMethod, "http://" + authority + target, fields);
    return HttpProxyRequest.validate(head, pseudonym);
  }
}
