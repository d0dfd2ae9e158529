package dev.zcproxy.inbound.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.zcproxy.domain.state.FieldProblem;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem document, {@code application/problem+json}.
 *
 * @param errors for validation problems: each field that is wrong and why
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ProblemBody(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    List<FieldProblem> errors) {

  static final MediaType MEDIA_TYPE = new MediaType("application", "problem+json");

  static Response response(
      ProblemType type,
      String detail,
      String instance,
      List<FieldProblem> errors,
      Map<String, String> headers) {
    var body =
        new ProblemBody(
            type.uri(),
            type.title(),
            type.status(),
            detail,
            instance,
            errors.isEmpty() ? null : errors);
    Response.ResponseBuilder response =
        Response.status(type.status()).type(MEDIA_TYPE).entity(body);
    headers.forEach(response::header);
    return response.build();
  }

  static Response response(ProblemException problem, String instance) {
    return response(
        problem.type(), problem.detail(), instance, problem.errors(), problem.headers());
  }
}
