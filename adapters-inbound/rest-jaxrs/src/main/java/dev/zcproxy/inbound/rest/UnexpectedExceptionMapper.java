package dev.zcproxy.inbound.rest;

import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bug: logged with its stack trace and the request's method and path (never its query or body,
 * which may hold secrets), answered with a 500 problem that tells the client nothing internal.
 */
final class UnexpectedExceptionMapper implements ExceptionMapper<Throwable> {

  private static final Logger LOG = LoggerFactory.getLogger(UnexpectedExceptionMapper.class);

  @Context private UriInfo uri;
  @Context private Request request;

  @Override
  public Response toResponse(Throwable failure) {
    String instance = Instances.of(uri);
    LOG.error("{} {} failed", request == null ? "?" : request.getMethod(), instance, failure);
    return ProblemBody.response(
        ProblemType.INTERNAL, "the request failed on the server", instance, List.of(), Map.of());
  }
}
