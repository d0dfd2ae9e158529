package dev.zcproxy.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The far end of a connection-rate run: reads one request of {@link #MESSAGE_BYTES}, answers one
 * response of the same size and closes first, as an HTTP/1.0 server would. Closing first keeps the
 * TIME_WAIT state on the server's side, so the clients do not run out of ephemeral ports.
 */
final class ResponderServer implements AutoCloseable {

  static final int MESSAGE_BYTES = 64;

  private final ServerSocketChannel server;

  private ResponderServer(ServerSocketChannel server) {
    this.server = server;
  }

  /**
   * @param port 0 for any free port
   */
  static ResponderServer start(int port) throws IOException {
    ResponderServer responder = new ResponderServer(LoopbackListener.open(port));
    Thread.ofPlatform().daemon().name("responder-accept").start(responder::acceptLoop);
    return responder;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel connection = server.accept();
        Thread.ofVirtual().name("responder").start(() -> answer(connection));
      } catch (IOException e) {
        return; // closed at the end of the run
      }
    }
  }

  private static void answer(SocketChannel connection) {
    try (connection) {
      InputStream in = Channels.newInputStream(connection);
      if (in.readNBytes(MESSAGE_BYTES).length == MESSAGE_BYTES) {
        ByteBuffer response = ByteBuffer.wrap(new byte[MESSAGE_BYTES]);
        while (response.hasRemaining()) {
          connection.write(response);
        }
      }
    } catch (IOException e) {
      // The client gave up; it counts the error on its side.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
