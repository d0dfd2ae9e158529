package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.Permission;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/** The API key a request was authenticated with, as its JAX-RS security context. */
record Caller(ApiKey key, boolean secure) implements SecurityContext, Principal {

  static final String SCHEME = "Bearer";

  /** The caller of a request that passed {@link ApiKeyFilter}. */
  static Caller of(SecurityContext context) {
    if (context != null && context.getUserPrincipal() instanceof Caller caller) {
      return caller;
    }
    throw new IllegalStateException("no authenticated caller: is the resource method @Public?");
  }

  Actor actor() {
    return Actor.apiKey(key);
  }

  boolean may(Permission permission) {
    return key.scope().grants(permission);
  }

  @Override
  public String getName() {
    return key.id();
  }

  @Override
  public Principal getUserPrincipal() {
    return this;
  }

  @Override
  public boolean isUserInRole(String role) {
    return key.scope().wireName().equals(role);
  }

  @Override
  public boolean isSecure() {
    return secure;
  }

  @Override
  public String getAuthenticationScheme() {
    return SCHEME;
  }
}
