package dev.zcproxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.it.support.Closeables;
import dev.zcproxy.it.support.Curl;
import dev.zcproxy.it.support.ProxyProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An origin that ends its answer by closing the connection (an HTTP/1.0 body without a length):
 * through a CONNECT tunnel inside TLS, curl gets the whole body and a clean end of the TLS stream.
 * (Whether close_notify precedes the FIN is checked on the wire by proxy-netty's TlsHalfCloseTest;
 * curl itself tolerates a bare FIN here.)
 */
class TlsCloseNotifyIT {

  private static final String BODY = "all of it, then a close\n";

  @TempDir static Path workDir;
  static CloseDelimitedOrigin origin;
  static ProxyProcess proxy;

  @BeforeAll
  static void start() throws Exception {
    origin = new CloseDelimitedOrigin();
    proxy =
        ProxyProcess.builder(workDir.resolve("proxy"))
            .name("TlsCloseNotifyIT")
            .policy(
                """
                anonymous: true
                rules:
                  - { action: allow, destinations: ["127.0.0.1/32"], ports: ["%d"] }
                """
                    .formatted(origin.port()))
            .extraConfigLine("tls: { selfSigned: true }")
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closeables.closeAll(proxy, origin);
  }

  @Test
  void aCloseDelimitedAnswerThroughATlsTunnelEndsCleanly() {
    Curl.Result result =
        Curl.httpsProxyInsecure(proxy.port())
            .tunnel()
            .fetch("http://127.0.0.1:" + origin.port() + "/");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.bodyText()).isEqualTo(BODY);
  }

  /** Answers each connection with an HTTP/1.0 response whose end is the connection's end. */
  static final class CloseDelimitedOrigin implements AutoCloseable {
    private final ServerSocket server;
    private final Thread acceptor;

    CloseDelimitedOrigin() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = Thread.ofVirtual().name("close-delimited-origin").start(this::serve);
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket socket = server.accept()) {
          readHead(socket.getInputStream());
          OutputStream out = socket.getOutputStream();
          out.write(
              ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY)
                  .getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } catch (IOException closedOrBroken) {
          // the next accept fails too once the server socket is closed
        }
      }
    }

    private static void readHead(InputStream in) throws IOException {
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      int b;
      while (matched < end.length && (b = in.read()) != -1) {
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      acceptor.interrupt();
    }
  }
}
