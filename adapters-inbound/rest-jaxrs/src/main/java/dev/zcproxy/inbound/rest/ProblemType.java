package dev.zcproxy.inbound.rest;

/**
 * Every kind of problem the API answers with. The {@code type} URI names it for machines (RFC 9457
 * §3.1.1); {@code about:blank} means "nothing more than the status says".
 */
enum ProblemType {
  VALIDATION(400, "Invalid request", "urn:zcproxy:problem:validation"),
  MALFORMED_JSON(400, "Malformed JSON", "urn:zcproxy:problem:malformed-json"),
  KEY_IN_QUERY(400, "API key in the query string", "urn:zcproxy:problem:key-in-query"),
  BAD_REQUEST(400, "Bad Request", "about:blank"),
  UNAUTHORIZED(401, "Unauthorized", "urn:zcproxy:problem:unauthorized"),
  FORBIDDEN(403, "Forbidden", "urn:zcproxy:problem:forbidden"),
  NOT_FOUND(404, "Not Found", "about:blank"),
  METHOD_NOT_ALLOWED(405, "Method Not Allowed", "about:blank"),
  NOT_ACCEPTABLE(406, "Not Acceptable", "about:blank"),
  CONFLICT(409, "Conflict", "urn:zcproxy:problem:conflict"),
  PRECONDITION_FAILED(412, "Precondition Failed", "urn:zcproxy:problem:version-mismatch"),
  PAYLOAD_TOO_LARGE(413, "Content Too Large", "urn:zcproxy:problem:body-too-large"),
  UNSUPPORTED_MEDIA_TYPE(415, "Unsupported Media Type", "about:blank"),
  PRECONDITION_REQUIRED(428, "Precondition Required", "urn:zcproxy:problem:if-match-required"),
  TOO_MANY_REQUESTS(429, "Too Many Requests", "urn:zcproxy:problem:throttled"),
  INTERNAL(500, "Internal Server Error", "about:blank"),
  UNAVAILABLE(503, "Service Unavailable", "urn:zcproxy:problem:store-unavailable");

  private final int status;
  private final String title;
  private final String uri;

  ProblemType(int status, String title, String uri) {
    this.status = status;
    this.title = title;
    this.uri = uri;
  }

  int status() {
    return status;
  }

  String title() {
    return title;
  }

  String uri() {
    return uri;
  }

  static ProblemType forStatus(int status) {
    for (ProblemType type : values()) {
      if (type.status == status && type.uri.equals("about:blank")) {
        return type;
      }
    }
    return status >= 500 ? INTERNAL : BAD_REQUEST;
  }
}
