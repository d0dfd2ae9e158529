package dev.zcproxy.inbound.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * Checks, once the request is matched, that the caller's key scope grants what the resource method
 * {@link Requires}. A method that declares nothing is refused: access is denied by default.
 */
@Priority(Priorities.AUTHORIZATION)
final class ScopeFilter implements ContainerRequestFilter {

  @Context private ResourceInfo resource;

  @Override
  public void filter(ContainerRequestContext request) {
    Method method = resource.getResourceMethod();
    if (method == null || method.isAnnotationPresent(Public.class)) {
      return;
    }
    Requires requires = method.getAnnotation(Requires.class);
    Caller caller = Caller.of(request.getSecurityContext());
    if (requires == null) {
      throw Problems.forbidden("this operation is not open to any API key");
    }
    if (!caller.may(requires.value())) {
      throw Problems.forbidden(
          "a "
              + caller.key().scope().wireName()
              + " key may not do this (it needs "
              + requires.value().name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + ")");
    }
  }
}
