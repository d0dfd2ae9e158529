package dev.zcproxy.inbound.netty.http;

import dev.zcproxy.domain.model.HostNames;
import dev.zcproxy.inbound.netty.upstream.Destination;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;

/**
 * Where a proxied request goes (RFC 9112 §3.2): the absolute form {@code http://host[:port]/path}
 * of a forwarded request, or the authority form {@code host:port} of a CONNECT. Parsed by hand and
 * strictly, because the proxy's decision depends on it: no user information ({@code
 * http://good@evil/} reads differently to different parsers), no fragment, a port in range.
 *
 * @param destination what the policy is asked about and the proxy connects to
 * @param authority the {@code host[:port]} exactly as the client wrote it, for the Host header
 * @param pathAndQuery the origin form sent upstream, at least {@code /}; empty for CONNECT
 */
public record HttpRequestTarget(Destination destination, String authority, String pathAndQuery) {

  private static final String HTTP_SCHEME = "http://";
  private static final int HTTP_PORT = 80;

  /** A forwarded request's target: {@code http://authority[/path][?query]}. */
  public static HttpRequestTarget absoluteForm(String target) throws HttpRejection {
    if (target.startsWith("/") || target.equals("*")) {
      throw HttpRejection.badRequest(
          "this is a proxy: the request target must be an absolute http:// URI, not " + target);
    }
    int schemeEnd = target.indexOf("://");
    if (schemeEnd <= 0) {
      throw HttpRejection.badRequest("the request target is not an absolute URI");
    }
    if (!target.regionMatches(true, 0, HTTP_SCHEME, 0, HTTP_SCHEME.length())) {
      throw new HttpRejection(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "unsupported_scheme",
          "only http:// URIs are forwarded; use CONNECT for anything else");
    }
    if (target.indexOf('#') >= 0) {
      throw HttpRejection.badRequest("a request target must not carry a fragment");
    }
    int authorityStart = HTTP_SCHEME.length();
    int authorityEnd = authorityStart;
    while (authorityEnd < target.length()
        && target.charAt(authorityEnd) != '/'
        && target.charAt(authorityEnd) != '?') {
      authorityEnd++;
    }
    String authority = target.substring(authorityStart, authorityEnd);
    String rest = target.substring(authorityEnd);
    String pathAndQuery = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
    return new HttpRequestTarget(parseAuthority(authority, HTTP_PORT), authority, pathAndQuery);
  }

  /** A CONNECT's target: {@code host:port}, the port required. */
  public static HttpRequestTarget authorityForm(String target) throws HttpRejection {
    return new HttpRequestTarget(parseAuthority(target, -1), target, "");
  }

  /**
   * @param defaultPort the port when none is given, or -1 when one is required
   */
  private static Destination parseAuthority(String authority, int defaultPort)
      throws HttpRejection {
    if (authority.isEmpty()) {
      throw HttpRejection.badRequest("the request target has no host");
    }
    if (authority.indexOf('@') >= 0) {
      throw HttpRejection.badRequest("user information in the request target is not allowed");
    }
    String host;
    String port;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw HttpRejection.badRequest("unterminated IPv6 literal in " + authority);
      }
      host = authority.substring(0, close + 1);
      String after = authority.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw HttpRejection.badRequest("unexpected text after the IPv6 literal in " + authority);
      }
      port = after.isEmpty() ? null : after.substring(1);
    } else {
      int colon = authority.indexOf(':');
      if (colon >= 0 && authority.indexOf(':', colon + 1) >= 0) {
        throw HttpRejection.badRequest("an IPv6 address must be in brackets: " + authority);
      }
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? null : authority.substring(colon + 1);
    }
    int portNumber = parsePort(port, defaultPort, authority);
    return destination(host, portNumber, authority);
  }

  private static int parsePort(String port, int defaultPort, String authority)
      throws HttpRejection {
    if (port == null) {
      if (defaultPort < 0) {
        throw HttpRejection.badRequest("CONNECT needs host:port, got " + authority);
      }
      return defaultPort;
    }
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw HttpRejection.badRequest("invalid port in " + authority);
    }
    int number = Integer.parseInt(port);
    if (number < 1 || number > 65535) {
      throw HttpRejection.badRequest("port out of range in " + authority);
    }
    return number;
  }

  private static Destination destination(String host, int port, String authority)
      throws HttpRejection {
    boolean bracketed = host.startsWith("[");
    InetAddress literal = HostNames.parseLiteral(host);
    if (bracketed && (literal == null || host.indexOf(':') < 0)) {
      throw HttpRejection.badRequest("invalid IPv6 literal in " + authority);
    }
    if (literal != null) {
      return Destination.ofAddress(literal, port);
    }
    try {
      return Destination.ofHost(HostNames.requireHostName(host), port);
    } catch (IllegalArgumentException invalid) {
      throw HttpRejection.badRequest("invalid host name in " + authority);
    }
  }
}
