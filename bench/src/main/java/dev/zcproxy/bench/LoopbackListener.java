package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/** Opens the listening socket of a far end (sink, source, echo, responder) on loopback. */
final class LoopbackListener {

  private static final int BACKLOG = 4096;

  private LoopbackListener() {}

  /**
   * @param port 0 for any free port; a fixed port when a plain TCP forwarder in front of the far
   *     end (HAProxy) has it as its backend. SO_REUSEADDR lets run after run bind that port while
   *     the previous run's connections linger in TIME_WAIT.
   */
  static ServerSocketChannel open(int port) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
      return server;
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
  }
}
