package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Echoes every byte back on 127.0.0.1 and an ephemeral port; one virtual thread per client. */
public final class TcpEchoServer implements AutoCloseable {

  private final ServerSocket server;
  private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();

  private TcpEchoServer(ServerSocket server) {
    this.server = server;
  }

  public static TcpEchoServer start() {
    return start(50);
  }

  /**
   * @param backlog the listen backlog: a test that makes the proxy open thousands of connections at
   *     once needs more than the default, or SYNs are dropped and retried a second later
   */
  public static TcpEchoServer start(int backlog) {
    try {
      TcpEchoServer echo =
          new TcpEchoServer(new ServerSocket(0, backlog, InetAddress.getLoopbackAddress()));
      Thread.ofVirtual().name("tcp-echo-accept").start(echo::acceptLoop);
      return echo;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the TCP echo server", e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted since the start, closed or not. */
  public int acceptedConnections() {
    return accepted.get();
  }

  /** Connections accepted and not yet closed by their peer. */
  public int openConnections() {
    return clients.size();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        accepted.incrementAndGet();
        clients.add(client);
        Thread.ofVirtual().name("tcp-echo").start(() -> echo(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void echo(Socket client) {
    try (client) {
      client.getInputStream().transferTo(client.getOutputStream());
    } catch (IOException e) {
      // The peer reset the connection: nothing to echo any more.
    } finally {
      clients.remove(client);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket client : clients) {
      client.close();
    }
  }
}
