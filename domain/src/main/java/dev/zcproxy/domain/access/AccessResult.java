package dev.zcproxy.domain.access;

/** How a logged access ended. The first four are successes as far as the proxy is concerned. */
public enum AccessResult {
  /** Served and ended normally (both sides finished, or the client closed). */
  OK("ok"),
  /** Served, then ended for lack of traffic. */
  IDLE_TIMEOUT("idle-timeout"),
  /** Served, then a side reset the connection or an I/O error ended it. */
  RESET("reset"),
  /** Served, then closed by the proxy: it shut down, or the relay failed. */
  CLOSED("closed"),
  /** Served, then cut because a newly installed policy refuses it. */
  CLOSED_BY_POLICY("closed-by-policy"),
  /** The policy refused it. */
  DENIED("denied"),
  /** The client could not be authenticated. */
  AUTH_FAILED("auth-failed"),
  /** No address or no route to the destination. */
  UNREACHABLE("unreachable"),
  /** The destination refused the connection. */
  REFUSED("refused"),
  /** Connecting, resolving or waiting timed out. */
  TIMEOUT("timeout"),
  /** A limit of the proxy, a malformed request, or any other failure. */
  ERROR("error");

  private final String label;

  AccessResult(String label) {
    this.label = label;
  }

  /** The name in the log: lower case, with a hyphen. */
  public String label() {
    return label;
  }

  /** Whether the destination was reached and served (though the end may not have been clean). */
  public boolean served() {
    return ordinal() <= CLOSED_BY_POLICY.ordinal();
  }
}
