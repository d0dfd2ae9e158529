package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTTP CONNECT handshake against a one-connection stand-in proxy that records the request head,
 * answers with a given reply head, and then sends a few bytes of its own: they must reach the
 * caller as the tunnel's first bytes, not be swallowed with the head.
 */
class ConnectorTest {

  private static final InetSocketAddress TARGET =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 9000);

  @Test
  void sends_connect_with_host_and_hands_over_the_bytes_after_the_reply_head() throws Exception {
    try (FakeHttpProxy proxy = new FakeHttpProxy("HTTP/1.1 200 Connection established\r\n\r\n")) {
      try (SocketChannel channel = connectorVia(proxy).open(TARGET)) {
        byte[] first =
            channel.socket().getInputStream().readNBytes(FakeHttpProxy.TUNNEL_BYTES.length);

        assertThat(first).isEqualTo(FakeHttpProxy.TUNNEL_BYTES);
      }
      assertThat(proxy.requestHead())
          .isEqualTo("CONNECT 127.0.0.1:9000 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n\r\n");
    }
  }

  @Test
  void takes_a_bare_200_with_headers() throws Exception {
    try (FakeHttpProxy proxy = new FakeHttpProxy("HTTP/1.1 200\r\nVia: 1.1 fake\r\n\r\n");
        SocketChannel channel = connectorVia(proxy).open(TARGET)) {
      assertThat(channel.isConnected()).isTrue();
    }
  }

  @Test
  void refuses_anything_but_200() throws Exception {
    try (FakeHttpProxy proxy =
        new FakeHttpProxy("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")) {
      assertThatThrownBy(() -> connectorVia(proxy).open(TARGET))
          .isInstanceOf(IOException.class)
          .hasMessage("HTTP CONNECT failed: got \"HTTP/1.1 403 Forbidden\", expected 200");
    }
  }

  @Test
  void refuses_a_proxy_that_closes_before_the_end_of_the_head() throws Exception {
    try (FakeHttpProxy proxy = new FakeHttpProxy("HTTP/1.1 200 OK\r\n")) {
      assertThatThrownBy(() -> connectorVia(proxy).open(TARGET))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("HTTP CONNECT failed: the proxy closed after");
    }
  }

  @Test
  void refuses_two_ways_at_once() {
    Optional<InetSocketAddress> somewhere = Optional.of(TARGET);

    assertThatThrownBy(
            () -> new Connector(Optional.empty(), Optional.empty(), somewhere, somewhere))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Connector connectorVia(FakeHttpProxy proxy) {
    return new Connector(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(proxy.address()));
  }

  /**
   * Accepts one connection, reads the request head, writes the reply head and, if the reply ends
   * its head, {@link #TUNNEL_BYTES} right behind it in the same write; then closes.
   */
  private static final class FakeHttpProxy implements AutoCloseable {

    static final byte[] TUNNEL_BYTES = "tunnel!".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final CompletableFuture<String> requestHead = new CompletableFuture<>();

    FakeHttpProxy(String replyHead) throws IOException {
      server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      Thread.ofPlatform().daemon().name("fake-http-proxy").start(() -> serveOnce(replyHead));
    }

    InetSocketAddress address() {
      return (InetSocketAddress) server.getLocalSocketAddress();
    }

    String requestHead() throws Exception {
      return requestHead.get(5, TimeUnit.SECONDS);
    }

    private void serveOnce(String replyHead) {
      try (Socket client = server.accept()) {
        InputStream in = client.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          int next = in.read();
          if (next < 0) {
            break;
          }
          head.append((char) next);
        }
        requestHead.complete(head.toString());
        boolean headComplete = replyHead.endsWith("\r\n\r\n");
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes(replyHead.getBytes(StandardCharsets.US_ASCII));
        if (headComplete) {
          reply.writeBytes(TUNNEL_BYTES);
        }
        OutputStream out = client.getOutputStream();
        out.write(reply.toByteArray());
        out.flush();
        if (headComplete) {
          // Wait for the client to close, so that it never sees a reset instead of the bytes.
          in.read();
        }
      } catch (IOException e) {
        requestHead.completeExceptionally(e);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
