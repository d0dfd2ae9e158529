package dev.zcproxy.inbound.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.Map;

/**
 * Jersey's own refusals (no such path 404, wrong method 405, wrong content type 415, unacceptable
 * Accept 406) as problem documents, keeping the headers they carry ({@code Allow}).
 */
final class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

  @Context private UriInfo uri;

  @Override
  public Response toResponse(WebApplicationException exception) {
    Response original = exception.getResponse();
    int status = original.getStatus();
    ProblemType type = ProblemType.forStatus(status);
    String allow = original.getHeaderString(HttpHeaders.ALLOW);
    Map<String, String> headers = allow == null ? Map.of() : Map.of(HttpHeaders.ALLOW, allow);
    String detail =
        switch (status) {
          case 404 -> "no such resource";
          case 405 ->
              "this resource does not take that method"
                  + (allow == null ? "" : "; it takes " + allow);
          case 406 -> "this API answers application/json only";
          case 415 -> "send the body as application/json";
          default -> type.title();
        };
    return ProblemBody.response(type, detail, Instances.of(uri), List.of(), headers);
  }
}
