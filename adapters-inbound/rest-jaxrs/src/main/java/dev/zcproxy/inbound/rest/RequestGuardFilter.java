package dev.zcproxy.inbound.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses, before anything else looks at a request:
 *
 * <ul>
 *   <li>an API key in the query string (400): URLs end up in logs, histories and referrers, so a
 *       key there is as good as leaked; the request is not processed, and neither the URL nor the
 *       key is logged;
 *   <li>a body announced larger than the cap (413), without reading it. Bodies without a length are
 *       cut at the cap as they are read ({@link Bodies}).
 * </ul>
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
final class RequestGuardFilter implements ContainerRequestFilter {

  private static final Set<String> KEY_PARAMETERS =
      Set.of(
          "api_key",
          "apikey",
          "api-key",
          "key",
          "token",
          "access_token",
          "bearer",
          "authorization");

  private final int maxBodyBytes;

  RequestGuardFilter(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    String query = request.getUriInfo().getRequestUri().getRawQuery();
    if (query != null && carriesKey(query)) {
      throw new ProblemException(
          ProblemType.KEY_IN_QUERY,
          "API keys are accepted only in the Authorization header (Bearer); this request was not"
              + " processed. Treat a key that was sent in a URL as leaked, and revoke it.");
    }
    String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxBodyBytes) {
          throw Problems.tooLarge(maxBodyBytes);
        }
      } catch (NumberFormatException malformed) {
        throw new ProblemException(ProblemType.BAD_REQUEST, "Content-Length is not a number");
      }
    }
  }

  static boolean carriesKey(String rawQuery) {
    for (String pair : rawQuery.split("&")) {
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (KEY_PARAMETERS.contains(name.toLowerCase(Locale.ROOT))
          || value.toLowerCase(Locale.ROOT).contains("zcp_")
          || name.toLowerCase(Locale.ROOT).contains("zcp_")) {
        return true;
      }
    }
    return false;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformed) {
      return text;
    }
  }
}
