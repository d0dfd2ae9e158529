package dev.zcproxy.inbound.rest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

/**
 * {@code zcproxy_state_http_requests_seconds{method, route, status}}: the route is the resource's
 * path template ({@code /v1/users/{name}}), never the concrete path, so the series stay few;
 * requests refused before matching count as {@code unmatched}.
 */
@PreMatching
@Priority(1)
final class RequestMetricsFilter implements ContainerRequestFilter, ContainerResponseFilter {

  private static final String STARTED = RequestMetricsFilter.class.getName() + ".started";

  private final MeterRegistry registry;

  @Context private ResourceInfo resource;

  RequestMetricsFilter(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    request.setProperty(STARTED, System.nanoTime());
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    Object started = request.getProperty(STARTED);
    if (!(started instanceof Long start)) {
      return;
    }
    Timer.builder("zcproxy.state.http.requests")
        .description("REST API requests by route and status")
        .tag("method", request.getMethod())
        .tag("route", route())
        .tag("status", Integer.toString(response.getStatus()))
        .register(registry)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  private String route() {
    Method method = resource == null ? null : resource.getResourceMethod();
    if (method == null) {
      return "unmatched";
    }
    Path type = resource.getResourceClass().getAnnotation(Path.class);
    Path sub = method.getAnnotation(Path.class);
    return "/" + (type == null ? "" : type.value()) + (sub == null ? "" : "/" + sub.value());
  }
}
