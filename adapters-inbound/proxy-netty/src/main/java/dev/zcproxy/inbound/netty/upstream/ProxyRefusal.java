package dev.zcproxy.inbound.netty.upstream;

/**
 * Why the proxy will not (or could not) reach a destination. Each protocol maps the kind onto its
 * own reply code; the message is safe to log and never holds a credential. Carried as the failure
 * of a Netty future, so it skips the stack trace.
 */
public final class ProxyRefusal extends Exception {

  public enum Kind {
    /** The policy refused it (SOCKS5 0x02, SOCKS4 0x5B). */
    NOT_ALLOWED,
    /** DNS gave no address (SOCKS5 0x04). */
    HOST_UNREACHABLE,
    /** No route (SOCKS5 0x03). */
    NETWORK_UNREACHABLE,
    /** The upstream refused the TCP connection (SOCKS5 0x05). */
    CONNECTION_REFUSED,
    /** Connect or DNS timed out (SOCKS5 0x04: the host did not answer). */
    TIMEOUT,
    /** A limit of the proxy itself, or anything else (SOCKS5 0x01). */
    GENERAL_FAILURE
  }

  private final Kind kind;
  private final int ruleNumber;

  public ProxyRefusal(Kind kind, String message) {
    this(kind, message, 0);
  }

  /**
   * @param ruleNumber the policy rule that refused, 1-based, or 0 when none did
   */
  public ProxyRefusal(Kind kind, String message, int ruleNumber) {
    super(message, null, false, false);
    this.kind = kind;
    this.ruleNumber = ruleNumber;
  }

  public Kind kind() {
    return kind;
  }

  /** The policy rule that refused, 1-based, or 0 when none did (or it was no policy refusal). */
  public int ruleNumber() {
    return ruleNumber;
  }
}
