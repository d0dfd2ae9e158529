package dev.zcproxy.inbound.rest;

import dev.zcproxy.domain.state.Permission;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The permission a resource method needs; {@link ScopeFilter} checks the caller's key scope grants
 * it. A resource method with neither this nor {@link Public} is refused to everyone (deny by
 * default), and a test makes sure none exists.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Requires {
  Permission value();
}
