package dev.zcproxy.inbound.rest;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Every path outside {@code /api} and the operator endpoints: a 404 problem, as in the API. */
final class NotFoundServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private static final byte[] BODY =
      ("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
              + "\"detail\":\"no such resource; the API is under /api/v1\"}")
          .getBytes(StandardCharsets.UTF_8);

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setStatus(HttpServletResponse.SC_NOT_FOUND);
    response.setContentType(ProblemBody.MEDIA_TYPE.toString());
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(BODY.length);
    response.getOutputStream().write(BODY);
  }
}
