package dev.zcproxy.domain.policy;

/** The outcome of authorizing a connection. */
public sealed interface Decision {

  /**
   * @param ruleNumber the 1-based position of the rule that matched
   */
  record Allow(int ruleNumber) implements Decision {}

  /**
   * @param ruleNumber the 1-based position of the deny rule, or 0 when no rule matched
   * @param detail a short, operator-readable explanation (safe to show a client)
   */
  record Deny(Reason reason, int ruleNumber, String detail) implements Decision {}

  enum Reason {
    /** An explicit {@code deny} rule matched. */
    DENIED_BY_RULE,
    /** No rule matched: the default is deny. */
    NO_RULE_MATCHED,
    /**
     * Only a rule that does not name the non-public address (loopback, private...) matched, so the
     * egress guard refused it.
     */
    EGRESS_GUARD
  }
}
