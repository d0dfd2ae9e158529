package dev.zcproxy.it.support;

import static org.assertj.core.api.Assertions.assertThat;

/** How a refusal by the proxy looks from curl's side. */
public final class SocksAssertions {
  private SocksAssertions() {}

  /** curl 7.88 prints the SOCKS5 reply code in parentheses after the host it asked for. */
  public static void assertSocks5Refusal(Curl.Result result, String host, int replyCode) {
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_PROXY_HANDSHAKE_FAILED);
    assertThat(result.stderr())
        .contains("Can't complete SOCKS5 connection to " + host + ". (" + replyCode + ")");
    assertThat(result.body()).isEmpty();
  }

  /** SOCKS4 has a single refusal, 0x5B (91), "request rejected or failed". */
  public static void assertSocks4Rejection(Curl.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(Curl.EXIT_PROXY_HANDSHAKE_FAILED);
    assertThat(result.stderr()).contains("(91), request rejected or failed");
    assertThat(result.body()).isEmpty();
  }
}
