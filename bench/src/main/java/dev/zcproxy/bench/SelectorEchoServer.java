package dev.zcproxy.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Echoes every byte back, all connections on one selector thread: the far end of the scale bench,
 * which holds thousands of idle connections, one thread each being too many. Run in a process of
 * its own so that its fds do not count against the load generators' limit.
 */
final class SelectorEchoServer {

  private static final int BUFFER_BYTES = 16 * 1024;

  private SelectorEchoServer() {}

  /** Serves until the process is killed or {@code lifetime} is over. */
  static void serve(int port, Duration lifetime) throws IOException {
    long end = System.nanoTime() + lifetime.toNanos();
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    try (ServerSocketChannel server = LoopbackListener.open(port);
        Selector selector = Selector.open()) {
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      System.out.println("mode=echo-server port=" + port);
      System.out.flush();
      while (System.nanoTime() < end) {
        selector.select(1_000);
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept(server, selector);
          } else {
            echo(key, buffer);
          }
        }
        selector.selectedKeys().clear();
      }
    }
  }

  private static void accept(ServerSocketChannel server, Selector selector) {
    try {
      SocketChannel connection;
      while ((connection = server.accept()) != null) {
        connection.configureBlocking(false);
        connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
        connection.register(selector, SelectionKey.OP_READ);
      }
    } catch (IOException e) {
      // Out of fds, most likely: the connection waits in the backlog and the next round retries.
      System.err.println("accept failed: " + e.getMessage());
    }
  }

  /**
   * Reads what there is and writes it back; a write that does not complete keeps its rest as the
   * key's attachment and waits for OP_WRITE (loopback at idle-tunnel rates never needs it).
   */
  private static void echo(SelectionKey key, ByteBuffer buffer) {
    SocketChannel connection = (SocketChannel) key.channel();
    try {
      if (key.attachment() instanceof ByteBuffer pending) {
        connection.write(pending);
        if (pending.hasRemaining()) {
          return;
        }
        key.attach(null);
        key.interestOps(SelectionKey.OP_READ);
        return;
      }
      buffer.clear();
      int read = connection.read(buffer);
      if (read < 0) {
        key.cancel();
        connection.close();
        return;
      }
      buffer.flip();
      connection.write(buffer);
      if (buffer.hasRemaining()) {
        ByteBuffer rest = ByteBuffer.allocate(buffer.remaining());
        rest.put(buffer).flip();
        key.attach(rest);
        key.interestOps(SelectionKey.OP_WRITE);
      }
    } catch (IOException e) {
      key.cancel();
      try {
        connection.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }
}
