package dev.zcproxy.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A minimal plain TCP forwarder to one fixed backend: a stand-in for HAProxy in mode tcp. */
final class TcpForwarder implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress backend;

  TcpForwarder(InetSocketAddress backend) throws IOException {
    this.backend = backend;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("forwarder-accept").start(this::acceptLoop);
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(backend.getAddress(), backend.getPort());
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        return; // closed at the end of the test
      }
    }
  }

  /** Copies one direction; when it ends, both sockets close, which ends the other direction. */
  private static void pump(Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .name("forwarder-pump")
        .start(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // One side went away: close both below.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            });
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Already closed by the other direction.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
