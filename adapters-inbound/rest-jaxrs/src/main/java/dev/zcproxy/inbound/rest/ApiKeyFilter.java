package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.in.AuthenticateApiKeyUseCase;
import dev.zcproxy.domain.state.ApiKeyAuthResult;
import dev.zcproxy.domain.state.ApiKeyToken;
import jakarta.annotation.Priority;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every request but the public ones with {@code Authorization: Bearer <key>}, before
 * the request is even matched to a resource, so that an unauthenticated client learns nothing about
 * which paths exist. No key or a bad one is a 401 with a {@code WWW-Authenticate: Bearer}
 * challenge; too many failures from one address a 429. A key is never logged, only its public id.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION)
final class ApiKeyFilter implements ContainerRequestFilter {

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyFilter.class);

  /** Paths under {@code /api} that need no key. */
  static final String OPENAPI_PATH = "openapi.json";

  private final AuthenticateApiKeyUseCase authenticate;

  @Context private HttpServletRequest servletRequest;

  ApiKeyFilter(AuthenticateApiKeyUseCase authenticate) {
    this.authenticate = authenticate;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    if (OPENAPI_PATH.equals(request.getUriInfo().getPath())) {
      return;
    }
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      throw Problems.unauthorized(
          "this API needs an API key: send Authorization: Bearer <key>", false);
    }
    String token = bearerToken(header);
    if (token == null) {
      throw Problems.unauthorized(
          "only the Bearer scheme is accepted: Authorization: Bearer <key>", false);
    }
    InetAddress source = source();
    switch (authenticate.authenticate(token, source)) {
      case ApiKeyAuthResult.Authenticated(var key) ->
          request.setSecurityContext(new Caller(key, request.getSecurityContext().isSecure()));
      case ApiKeyAuthResult.Rejected(var reason) -> {
        LOG.info(
            "API key rejected ({}), id {}, from {}",
            reason.name().toLowerCase(Locale.ROOT),
            ApiKeyToken.parse(token).map(ApiKeyToken::id).orElse("(malformed)"),
            source.getHostAddress());
        throw Problems.unauthorized("the API key is invalid, expired or revoked", true);
      }
      case ApiKeyAuthResult.Throttled(var retryAfter) -> throw Problems.throttled(retryAfter);
    }
  }

  /** The credentials of {@code Bearer <credentials>}, or null for another scheme. */
  static String bearerToken(String header) {
    String trimmed = header.trim();
    int space = trimmed.indexOf(' ');
    if (space < 0 || !trimmed.substring(0, space).equalsIgnoreCase(Caller.SCHEME)) {
      return null;
    }
    return trimmed.substring(space + 1).trim();
  }

  private InetAddress source() {
    String address = servletRequest.getRemoteAddr();
    try {
      // An address literal from the container: parsed, never resolved.
      return InetAddress.ofLiteral(address);
    } catch (IllegalArgumentException unparsable) {
      try {
        return InetAddress.getByAddress(new byte[4]);
      } catch (UnknownHostException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
  }
}
