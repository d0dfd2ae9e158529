package dev.zcproxy.domain.state;

import java.util.Objects;
import java.util.UUID;

/** A rule's identity, assigned by the state service when the rule is created. */
public record RuleId(UUID value) {

  public RuleId {
    Objects.requireNonNull(value, "value");
  }

  public static RuleId random() {
    return new RuleId(UUID.randomUUID());
  }

  /**
   * @throws IllegalArgumentException when {@code text} is not a UUID in its canonical form
   */
  public static RuleId parse(String text) {
    if (text == null || text.length() != 36) {
      throw new IllegalArgumentException("a rule id is a UUID like 3f0c6a52-4d0e-4a55-9d7e-...");
    }
    UUID value;
    try {
      value = UUID.fromString(text);
    } catch (IllegalArgumentException notUuid) {
      throw new IllegalArgumentException("a rule id is a UUID like 3f0c6a52-4d0e-4a55-9d7e-...");
    }
    return new RuleId(value);
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
