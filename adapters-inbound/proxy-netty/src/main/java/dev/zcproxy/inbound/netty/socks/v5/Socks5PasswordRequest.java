package dev.zcproxy.inbound.netty.socks.v5;

/** The RFC 1929 username/password request. The password never reaches a log line. */
record Socks5PasswordRequest(String username, String password) {
  @Override
  public String toString() {
    return "Socks5PasswordRequest[username=" + username + ", password=***]";
  }
}
