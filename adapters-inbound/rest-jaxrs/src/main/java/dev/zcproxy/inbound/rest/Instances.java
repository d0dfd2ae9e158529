package dev.zcproxy.inbound.rest;

import jakarta.ws.rs.core.UriInfo;

/** A problem's {@code instance}: the request's path, without the query (which may hold secrets). */
final class Instances {

  private Instances() {}

  static String of(UriInfo uri) {
    if (uri == null) {
      return null;
    }
    try {
      return uri.getRequestUri().getRawPath();
    } catch (IllegalStateException outsideRequest) {
      return null;
    }
  }
}
