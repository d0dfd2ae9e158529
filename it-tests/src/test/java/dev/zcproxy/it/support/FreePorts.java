package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Ports that were free a moment ago. The kernel hands out ephemeral ports round-robin, so a port
 * just released is unlikely to be handed out again before the proxy binds it.
 */
public final class FreePorts {
  private FreePorts() {}

  /** Sockets bound to the ports {@link #closed} handed out, kept for the JVM's life. */
  private static final List<Socket> CLOSED_PORT_HOLDERS = new CopyOnWriteArrayList<>();

  /**
   * A port on loopback where nothing listens, for as long as the tests run: a socket stays bound to
   * it without listening, so connections are refused, and no proxy, state service or other process
   * on the machine can take the port and answer instead.
   */
  public static int closed() {
    try {
      Socket holder = new Socket();
      holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      CLOSED_PORT_HOLDERS.add(holder);
      return holder.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on loopback", e);
    }
  }

  /**
   * A port number free on loopback for TCP and for UDP alike, for a proxy that serves QUIC on the
   * UDP port of its TCP port's number.
   */
  public static int tcpAndUdp() {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port = tcp();
      try (DatagramSocket udp =
          new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        return udp.getLocalPort();
      } catch (SocketException taken) {
        // Something holds the UDP port of that number: try another.
      }
    }
    throw new IllegalStateException("no port free for both TCP and UDP on loopback in 20 tries");
  }

  public static int tcp() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on loopback", e);
    }
  }
}
