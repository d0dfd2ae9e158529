package dev.zcproxy.inbound.netty.http;

import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;

/**
 * A request the proxy answers itself with an error status, and then closes the connection. The
 * message is the short text of the response body: safe to show the client, never a credential.
 * Thrown by the request checks and carried as a decoder failure, so it skips the stack trace like
 * {@link ProxyRefusal}.
 */
public final class HttpRejection extends Exception {

  private static final List<String> BASIC_ONLY = List.of(HttpResponses.BASIC_CHALLENGE);

  private final HttpResponseStatus status;
  private final String label;
  private final List<String> challenges;

  /**
   * @param label the metrics reason, e.g. {@code bad_request}
   */
  public HttpRejection(HttpResponseStatus status, String label, String message) {
    this(
        status,
        label,
        message,
        status.equals(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED) ? BASIC_ONLY : List.of());
  }

  private HttpRejection(
      HttpResponseStatus status, String label, String message, List<String> challenges) {
    super(message, null, false, false);
    this.status = status;
    this.label = label;
    this.challenges = List.copyOf(challenges);
  }

  public HttpResponseStatus status() {
    return status;
  }

  public String label() {
    return label;
  }

  /** The {@code Proxy-Authenticate} values a 407 offers, strongest first; empty otherwise. */
  public List<String> challenges() {
    return challenges;
  }

  /** The same rejection offering {@code offered} instead. */
  HttpRejection offering(List<String> offered) {
    return new HttpRejection(status, label, getMessage(), offered);
  }

  public static HttpRejection badRequest(String message) {
    return new HttpRejection(HttpResponseStatus.BAD_REQUEST, "bad_request", message);
  }

  static HttpRejection badGateway(String message) {
    return new HttpRejection(HttpResponseStatus.BAD_GATEWAY, "bad_gateway", message);
  }

  static HttpRejection authenticationRequired(String label, String message) {
    return new HttpRejection(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED, label, message);
  }

  /** A request header block over {@code limits.maxHeaderBytes}, which is {@code maxHeaderBytes}. */
  public static HttpRejection headersTooLarge(int maxHeaderBytes) {
    return new HttpRejection(
        HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
        "the request headers are larger than " + maxHeaderBytes + " bytes");
  }

  /**
   * Why the decoder gave up on a request head: a limit (414; 431 comes from the decoder as a
   * rejection already, naming its limit) or a malformed message (400).
   */
  static HttpRejection ofBadHead(Throwable cause) {
    return switch (cause) {
      case HttpRejection rejection -> rejection;
      case TooLongHttpLineException tooLong ->
          new HttpRejection(
              HttpResponseStatus.REQUEST_URI_TOO_LONG,
              "uri_too_long",
              "the request line is longer than " + HttpLimits.MAX_REQUEST_LINE + " bytes");
      default -> badRequest("malformed request: " + cause.getMessage());
    };
  }

  /** Why the decoder gave up on a request body: a bad chunk, whatever the exception. */
  public static HttpRejection ofBadBody(Throwable cause) {
    return badRequest("malformed request body: " + cause.getMessage());
  }

  /** The status a refusal of the gate or the connector gets. */
  public static HttpRejection ofRefusal(ProxyRefusal refusal) {
    return new HttpRejection(
        statusFor(refusal.kind()), ProxyRefusals.label(refusal.kind()), refusal.getMessage());
  }

  public static HttpResponseStatus statusFor(ProxyRefusal.Kind kind) {
    return switch (kind) {
      case NOT_ALLOWED -> HttpResponseStatus.FORBIDDEN;
      case TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case HOST_UNREACHABLE, NETWORK_UNREACHABLE, CONNECTION_REFUSED, GENERAL_FAILURE ->
          HttpResponseStatus.BAD_GATEWAY;
    };
  }
}
