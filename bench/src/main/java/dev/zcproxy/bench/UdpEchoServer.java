package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends every UDP datagram back to where it came from, counting what arrived: the far end of a
 * {@code udp-rate} run. One thread, one blocking socket; its buffers are 4 MiB (the usual
 * net.core.rmem_max), so a burst the thread is slow to read is not what gets lost.
 */
final class UdpEchoServer implements AutoCloseable {

  private static final int BUFFER_BYTES = 4 * 1024 * 1024;

  private final DatagramChannel socket;
  private final AtomicLong arrived = new AtomicLong();
  private final Thread thread;

  private UdpEchoServer(DatagramChannel socket) {
    this.socket = socket;
    this.thread = Thread.ofPlatform().daemon().name("udp-echo").unstarted(this::echoLoop);
  }

  /**
   * @param port 0 for any free port
   */
  static UdpEchoServer start(int port) throws IOException {
    DatagramChannel socket = DatagramChannel.open();
    try {
      socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      socket.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
      socket.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      socket.close();
      throw new IOException("cannot bind UDP 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    UdpEchoServer echo = new UdpEchoServer(socket);
    echo.thread.start();
    return echo;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) socket.getLocalAddress();
  }

  /** Datagrams received so far. */
  long arrived() {
    return arrived.get();
  }

  private void echoLoop() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
    try {
      while (true) {
        buffer.clear();
        SocketAddress from = socket.receive(buffer);
        arrived.incrementAndGet();
        buffer.flip();
        socket.send(buffer, from);
      }
    } catch (ClosedChannelException e) {
      // closed at the end of the run
    } catch (IOException e) {
      System.err.println("udp echo failed: " + e);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
