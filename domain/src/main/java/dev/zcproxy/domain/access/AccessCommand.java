package dev.zcproxy.domain.access;

/** What a client asked the proxy to do, as the access log names it. */
public enum AccessCommand {
  /** A TCP tunnel: SOCKS CONNECT, HTTP CONNECT on h1, h2 or h3. */
  CONNECT("connect"),
  /** SOCKS BIND: the proxy accepted one connection for the client. */
  BIND("bind"),
  /** A SOCKS5 UDP association. */
  UDP("udp"),
  /** A forwarded plain-HTTP request ({@code GET http://...}). */
  FORWARD("forward"),
  /** An RFC 9298 CONNECT-UDP flow over HTTP/3. */
  CONNECT_UDP("connect-udp");

  private final String label;

  AccessCommand(String label) {
    this.label = label;
  }

  /** The name in the log: lower case, with a hyphen. */
  public String label() {
    return label;
  }
}
