package dev.zcproxy.domain.state;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Who changed what, and when.
 *
 * @param actor an API key id or {@code system}
 * @param action e.g. {@code user.create}, {@code rule.move}, {@code api-key.revoke}
 * @param target what was changed: a user name, a rule id, an API key id, {@code settings}
 * @param revision the policy revision the change made, when it changed the policy
 */
public record AuditEvent(
    Instant at, String actor, String action, String target, OptionalLong revision) {

  public AuditEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(revision, "revision");
  }
}
