package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Writes to every connection as fast as it can until the connection breaks: the far end of a
 * download run. The client counts what arrives and ends the stream by closing it; the next write
 * here then fails, which is the expected end, not an error.
 */
final class SourceServer implements AutoCloseable {

  private final ServerSocketChannel server;

  private SourceServer(ServerSocketChannel server) {
    this.server = server;
  }

  /**
   * @param port 0 for any free port
   */
  static SourceServer start(int port) throws IOException {
    SourceServer source = new SourceServer(LoopbackListener.open(port));
    Thread.ofPlatform().daemon().name("source-accept").start(source::acceptLoop);
    return source;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel stream = server.accept();
        Thread.ofPlatform().daemon().name("source").start(() -> flood(stream));
      } catch (IOException e) {
        return; // closed at the end of the run
      }
    }
  }

  private static void flood(SocketChannel stream) {
    ByteBuffer chunk = Payload.chunk();
    try (stream) {
      while (true) {
        chunk.clear();
        while (chunk.hasRemaining()) {
          stream.write(chunk);
        }
      }
    } catch (IOException e) {
      // The client closed the stream: the run is over.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
