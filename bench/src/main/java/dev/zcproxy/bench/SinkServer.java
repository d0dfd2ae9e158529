package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/** Reads and discards whatever arrives, counting the bytes: the far end of an upload run. */
final class SinkServer implements AutoCloseable {

  private static final int READ_BUFFER_BYTES = 256 * 1024;

  private final ServerSocketChannel server;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong finishedStreams = new AtomicLong();

  private SinkServer(ServerSocketChannel server) {
    this.server = server;
  }

  /**
   * @param port 0 for any free port
   */
  static SinkServer start(int port) throws IOException {
    SinkServer sink = new SinkServer(LoopbackListener.open(port));
    Thread.ofPlatform().daemon().name("sink-accept").start(sink::acceptLoop);
    return sink;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  /** Bytes received so far, over every stream. */
  long received() {
    return received.get();
  }

  /** Streams whose sender has closed and whose every byte was counted. */
  long finishedStreams() {
    return finishedStreams.get();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel stream = server.accept();
        Thread.ofPlatform().daemon().name("sink").start(() -> drain(stream));
      } catch (IOException e) {
        return; // closed at the end of the run
      }
    }
  }

  private void drain(SocketChannel stream) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    try (stream) {
      for (int read = stream.read(buffer); read >= 0; read = stream.read(buffer)) {
        received.addAndGet(read);
        buffer.clear();
      }
    } catch (IOException e) {
      // A reset ends the stream as well; what arrived before it is counted.
    }
    finishedStreams.incrementAndGet();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
