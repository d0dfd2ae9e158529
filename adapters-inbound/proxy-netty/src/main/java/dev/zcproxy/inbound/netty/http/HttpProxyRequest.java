package dev.zcproxy.inbound.netty.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * A client's request head after the checks that do not need the network: the decoder's verdict, the
 * Host and Transfer-Encoding rules of RFC 9112, loop detection through {@code Via}, and the request
 * target.
 *
 * @param head the decoded head; its headers are rewritten in place when it is forwarded
 * @param connect whether this is a CONNECT (the target is then in authority form)
 * @param chunked whether the body comes chunked (otherwise it has a Content-Length, or none)
 * @param proxyAuthorization the {@code Proxy-Authorization} value, or null
 * @param keepAlive whether the client may send another request on this connection after this one
 *     (HTTP/1.1 without {@code Connection: close}); read before forwarding strips the head's
 *     hop-by-hop headers, {@code Connection} among them
 */
public record HttpProxyRequest(
    HttpRequest head,
    boolean connect,
    HttpRequestTarget target,
    boolean chunked,
    String proxyAuthorization,
    boolean keepAlive) {

  /** RFC 5842 §7.2; Netty has no constant for it. */
  static final HttpResponseStatus LOOP_DETECTED = new HttpResponseStatus(508, "Loop Detected");

  public static HttpProxyRequest validate(HttpRequest head, String pseudonym) throws HttpRejection {
    if (head.decoderResult().isFailure()) {
      throw HttpRejection.ofBadHead(head.decoderResult().cause());
    }
    HttpHeaders headers = head.headers();
    List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1) {
      throw HttpRejection.badRequest("more than one Host header");
    }
    if (hosts.isEmpty() && head.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
      throw HttpRejection.badRequest("an HTTP/1.1 request needs a Host header");
    }
    boolean chunked = checkTransferEncoding(headers);
    if (HttpForwardHeaders.isLoop(headers, pseudonym)) {
      throw new HttpRejection(
          LOOP_DETECTED,
          "loop_detected",
          "this request has already passed through this proxy (" + pseudonym + ")");
    }
    List<String> authorizations = headers.getAll(HttpHeaderNames.PROXY_AUTHORIZATION);
    if (authorizations.size() > 1) {
      throw HttpRejection.badRequest("more than one Proxy-Authorization header");
    }
    String authorization = authorizations.isEmpty() ? null : authorizations.getFirst();
    boolean keepAlive =
        head.protocolVersion().equals(HttpVersion.HTTP_1_1) && HttpUtil.isKeepAlive(head);
    if (HttpMethod.CONNECT.equals(head.method())) {
      if (chunked || HttpUtil.getContentLength(head, 0L) > 0) {
        throw HttpRejection.badRequest("a CONNECT request has no body");
      }
      return new HttpProxyRequest(
          head, true, HttpRequestTarget.authorityForm(head.uri()), false, authorization, keepAlive);
    }
    return new HttpProxyRequest(
        head, false, HttpRequestTarget.absoluteForm(head.uri()), chunked, authorization, keepAlive);
  }

  /**
   * The decoder already insists that chunked comes last and that there is no Content-Length beside
   * it. Other codings (gzip, chunked) would have to be passed on to the origin undone, so only
   * {@code chunked} alone is accepted (RFC 9112 §6.1: 501 for a coding not understood).
   */
  private static boolean checkTransferEncoding(HttpHeaders headers) throws HttpRejection {
    List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (codings.isEmpty()) {
      return false;
    }
    if (codings.size() > 1
        || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.getFirst().strip())) {
      throw new HttpRejection(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "unsupported_transfer_coding",
          "only Transfer-Encoding: chunked is supported");
    }
    return true;
  }
}
