package dev.zcproxy.outbound.jpa;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP forwarder on loopback in front of the test database, which a test can {@link #cut()} (every
 * connection closed, new ones refused, as when PostgreSQL restarts) and {@link #restore()} on the
 * same port. It lets a test take "the database" away without touching the shared server.
 */
public final class TcpCutter implements AutoCloseable {

  private static final Pattern POSTGRES_URL =
      Pattern.compile("jdbc:postgresql://([^/:?]+)(?::(\\d+))?(/.*)");

  private final InetSocketAddress target;
  private final String urlTail;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private ServerSocket listener;

  private TcpCutter(InetSocketAddress target, String urlTail) throws IOException {
    this.target = target;
    this.urlTail = urlTail;
    this.listener = listen(0);
    this.port = listener.getLocalPort();
    acceptFrom(listener);
  }

  /** A cutter in front of the database a PostgreSQL JDBC URL names. */
  public static TcpCutter inFrontOf(String jdbcUrl) {
    Matcher matcher = POSTGRES_URL.matcher(jdbcUrl);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/... URL: " + jdbcUrl);
    }
    int port = matcher.group(2) == null ? 5432 : Integer.parseInt(matcher.group(2));
    try {
      return new TcpCutter(new InetSocketAddress(matcher.group(1), port), matcher.group(3));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on loopback", e);
    }
  }

  /** The same database, reached through this cutter. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + urlTail;
  }

  /** Closes every connection and stops accepting new ones. */
  public synchronized void cut() {
    closeQuietly(listener);
    open.forEach(TcpCutter::closeQuietly);
    open.clear();
  }

  /** Accepts connections again, on the same port. */
  public synchronized void restore() {
    try {
      listener = listen(port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port + " again", e);
    }
    acceptFrom(listener);
  }

  @Override
  public void close() {
    cut();
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    return socket;
  }

  private void acceptFrom(ServerSocket server) {
    Thread.ofVirtual()
        .name("tcp-cutter-accept")
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket client = server.accept();
                  Socket upstream = new Socket();
                  upstream.connect(target, 2_000);
                  open.add(client);
                  open.add(upstream);
                  pump(client, upstream);
                  pump(upstream, client);
                } catch (IOException closedOrRefused) {
                  // cut() closed the listener, or the database refused: the client sees a reset.
                }
              }
            });
  }

  private void pump(Socket from, Socket to) {
    Thread.ofVirtual()
        .name("tcp-cutter-pump")
        .start(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (SocketException closed) {
                // one side went away
              } catch (IOException e) {
                // likewise
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
              }
            });
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // closing is all we wanted
    }
  }
}
