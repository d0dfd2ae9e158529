package dev.zcproxy.inbound.netty.auth.kerberos;

/**
 * The SOCKS5 GSS-API protection levels of RFC 1961 §4, as far as the proxy grants them. The proxy
 * grants what the client asks for, up to the configured ceiling; "selective" (3) is served as
 * confidentiality.
 */
public enum GssapiProtection {
  /** No per-message protection: the ticket authenticates, the tunnel is plain (what curl uses). */
  NONE(0x00),
  /** Every SOCKS message and tunnel chunk is wrapped with a checksum ({@code gss_wrap}). */
  INTEGRITY(0x01),
  /** Every SOCKS message and tunnel chunk is wrapped and encrypted. */
  CONFIDENTIALITY(0x02);

  private final int level;

  GssapiProtection(int level) {
    this.level = level;
  }

  /** The octet on the wire. */
  public int level() {
    return level;
  }

  /**
   * The level granted to a client that asks for {@code requested} (0-3).
   *
   * @throws IllegalArgumentException for any other octet
   */
  public GssapiProtection grant(int requested) {
    GssapiProtection wanted =
        switch (requested) {
          case 0 -> NONE;
          case 1 -> INTEGRITY;
          case 2, 3 -> CONFIDENTIALITY;
          default -> throw new IllegalArgumentException("protection level " + requested);
        };
    return wanted.compareTo(this) <= 0 ? wanted : this;
  }
}
