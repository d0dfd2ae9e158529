package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Http3Wire;
import dev.zcproxy.it.support.Ngtcp2Client;
import dev.zcproxy.it.support.ProxyProcess;
import dev.zcproxy.it.support.TcpEchoServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second HTTP/3 stack against the real jar: ngtcp2's client ({@code gtlsclient}, Debian's
 * ngtcp2-client, C with nghttp3 and GnuTLS). It reads the proxy's SETTINGS, and its CONNECT, which
 * carries {@code :scheme} and {@code :path}, is malformed by RFC 9114 §4.4: the proxy must refuse
 * it, never open the tunnel. gtlsclient cannot send request headers of its own (no credentials), so
 * it serves only these checks; {@code Http3FlupkeIT} drives the working tunnels.
 */
class Http3Ngtcp2IT {
  /** RFC 9114 §8.1. */
  private static final long H3_MESSAGE_ERROR = 0x10e;

  @TempDir static Path workDir;

  static TcpEchoServer tcpEcho;
  static ProxyProcess proxy;

  @BeforeAll
  static void startProxy() {
    tcpEcho = TcpEchoServer.start();
    proxy =
        ProxyProcess.builder(workDir)
            .name("Http3Ngtcp2IT")
            .policy(
                """
                anonymous: true
                rules:
                  - action: allow
                    destinations: ["127.0.0.1/32"]
                    ports: ["%d"]
                """
                    .formatted(tcpEcho.port()))
            .extraConfigLine("tls:\n  selfSigned: true")
            .quic()
            .start();
  }

  @AfterAll
  static void stopProxy() throws Exception {
    Closeables.closeAll(proxy, tcpEcho);
  }

  @Test
  void proxySettingsEnableExtendedConnectAndHttpDatagrams() {
    Ngtcp2Client.Result result =
        Ngtcp2Client.request(proxy.port(), "GET", "https://127.0.0.1:" + proxy.port() + "/");

    assertThat(result.alpn()).as(result.toString()).isEqualTo("h3");
    assertThat(result.sawRetry()).as("a Retry before the handshake").isTrue();
    assertThat(result.serverSettings())
        .as("the proxy's SETTINGS")
        .containsEntry(Http3Wire.SETTINGS_ENABLE_CONNECT_PROTOCOL, 1L)
        .containsEntry(Http3Wire.SETTINGS_H3_DATAGRAM, 1L);
    proxy.assertCleanLog();
  }

  @Test
  void connectWithSchemeAndPathIsRefusedAsMalformed() {
    int acceptedBefore = tcpEcho.acceptedConnections();

    Ngtcp2Client.Result result =
        Ngtcp2Client.request(proxy.port(), "CONNECT", "https://127.0.0.1:" + tcpEcho.port() + "/");

    assertThat(result.requestHeaderLines())
        .as("what gtlsclient sent")
        .contains("[:method: CONNECT]", "[:scheme: https]", "[:path: /]");
    assertThat(result.status(0)).as(result.toString()).isNotEqualTo(200);
    assertThat(result.resetCode(0) == H3_MESSAGE_ERROR || result.status(0) == 400)
        .as("a stream reset with H3_MESSAGE_ERROR, or a 400: %s", result)
        .isTrue();
    assertThat(tcpEcho.acceptedConnections()).as("no tunnel opened").isEqualTo(acceptedBefore);
    proxy.assertCleanLog();
  }
}
