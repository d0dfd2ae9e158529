package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.port.out.StoreUnavailableException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database is away: 503 with {@code Retry-After}. Nothing was changed (the unit of work rolled
 * back), so the client may safely send the same request again.
 */
final class StoreUnavailableMapper implements ExceptionMapper<StoreUnavailableException> {

  private static final Logger LOG = LoggerFactory.getLogger(StoreUnavailableMapper.class);
  static final String RETRY_AFTER_SECONDS = "2";

  @Context private UriInfo uri;

  @Override
  public Response toResponse(StoreUnavailableException unavailable) {
    LOG.warn("answering 503: {}", unavailable.getMessage());
    return ProblemBody.response(
        ProblemType.UNAVAILABLE,
        "the policy store is unreachable; nothing was changed, retry later",
        Instances.of(uri),
        List.of(),
        Map.of("Retry-After", RETRY_AFTER_SECONDS));
  }
}
