package dev.zcproxy.domain.model;

/** What a matching rule does with a connection. */
public enum Action {
  ALLOW,
  DENY
}
