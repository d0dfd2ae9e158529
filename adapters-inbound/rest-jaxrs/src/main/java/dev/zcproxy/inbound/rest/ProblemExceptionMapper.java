package dev.zcproxy.inbound.rest;

import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;

final class ProblemExceptionMapper implements ExceptionMapper<ProblemException> {

  @Context private UriInfo uri;

  @Override
  public Response toResponse(ProblemException problem) {
    return ProblemBody.response(problem, Instances.of(uri));
  }
}
