package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Sends every byte back as soon as it arrives, until the client closes: the far end of a latency
 * run. Each connection gets a platform thread, so a round trip never waits for a carrier thread to
 * be scheduled, and Nagle is off, so a small reply leaves at once.
 */
final class EchoServer implements AutoCloseable {

  private static final int BUFFER_BYTES = 64 * 1024;

  private final ServerSocketChannel server;

  private EchoServer(ServerSocketChannel server) {
    this.server = server;
  }

  /**
   * @param port 0 for any free port
   */
  static EchoServer start(int port) throws IOException {
    EchoServer echo = new EchoServer(LoopbackListener.open(port));
    Thread.ofPlatform().daemon().name("echo-accept").start(echo::acceptLoop);
    return echo;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel connection = server.accept();
        Thread.ofPlatform().daemon().name("echo").start(() -> echo(connection));
      } catch (IOException e) {
        return; // closed at the end of the run
      }
    }
  }

  private static void echo(SocketChannel connection) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    try (connection) {
      connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
      while (connection.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          connection.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // The client went away; it reports its own errors.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
