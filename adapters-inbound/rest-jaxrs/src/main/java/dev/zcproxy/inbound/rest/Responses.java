package dev.zcproxy.inbound.rest;

import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Response;

final class Responses {

  private Responses() {}

  /** 200 with the body and its version as a strong ETag. */
  static Response ok(Object body, long version) {
    return Response.ok(body).tag(new EntityTag(Long.toString(version))).build();
  }
}
