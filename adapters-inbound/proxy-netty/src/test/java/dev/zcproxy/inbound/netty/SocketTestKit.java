package dev.zcproxy.inbound.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.inbound.netty.tls.TlsTestKit;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Plain java.net peers for tests over real loopback sockets: SOCKS clients and servers. */
public final class SocketTestKit {
  public static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** How long a blocking read may wait before the test fails: only a hang should ever hit it. */
  public static final int SAFETY_NET_MILLIS = 30_000;

  private SocketTestKit() {}

  /** Sockets bound to the ports {@link #closedPort} handed out, kept for the JVM's life. */
  private static final List<Socket> CLOSED_PORT_HOLDERS = new CopyOnWriteArrayList<>();

  /**
   * A port on 127.0.0.1 where nothing listens. A socket stays bound to it without listening, so
   * connections are refused, and nobody else (another test, another process) can take the port and
   * answer in the meantime, as they could with a port that was merely free a moment ago.
   */
  public static int closedPort() throws IOException {
    Socket holder = new Socket();
    holder.bind(new InetSocketAddress(LOOPBACK, 0));
    CLOSED_PORT_HOLDERS.add(holder);
    return holder.getLocalPort();
  }

  /** A blocking SOCKS client over a plain socket, with a read timeout so no test hangs. */
  public static final class SocksClient implements AutoCloseable {
    final Socket socket;
    public final DataInputStream in;
    public final OutputStream out;

    public SocksClient(InetSocketAddress proxy) throws IOException {
      this(connect(proxy));
    }

    /** Over a socket the caller connected (and perhaps wrapped in TLS). */
    public SocksClient(Socket socket) throws IOException {
      this.socket = socket;
      socket.setSoTimeout(SAFETY_NET_MILLIS);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    /** Speaks TLS to the proxy first, trusting whatever certificate it shows. */
    public static SocksClient overTls(InetSocketAddress proxy) throws IOException {
      Socket plain = connect(proxy);
      javax.net.ssl.SSLSocket tls =
          (javax.net.ssl.SSLSocket)
              TlsTestKit.trustingClientContext()
                  .getSocketFactory()
                  .createSocket(plain, proxy.getHostString(), proxy.getPort(), true);
      tls.setSoTimeout(SAFETY_NET_MILLIS);
      tls.startHandshake();
      return new SocksClient(tls);
    }

    private static Socket connect(InetSocketAddress proxy) throws IOException {
      Socket socket = new Socket();
      socket.connect(proxy, SAFETY_NET_MILLIS);
      return socket;
    }

    void socks5Login(String user, String password) throws IOException {
      out.write(new byte[] {5, 1, 2});
      assertThat(readBytes(2)).containsExactly(5, 2);
      byte[] u = user.getBytes(StandardCharsets.UTF_8);
      byte[] p = password.getBytes(StandardCharsets.UTF_8);
      out.write(1);
      out.write(u.length);
      out.write(u);
      out.write(p.length);
      out.write(p);
      assertThat(readBytes(2)).containsExactly(1, 0);
    }

    public void socks5Anonymous() throws IOException {
      out.write(new byte[] {5, 1, 0});
      assertThat(readBytes(2)).containsExactly(5, 0);
    }

    /** CONNECT by name; returns REP. */
    public int socks5Connect(String host, int port) throws IOException {
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      out.write(new byte[] {5, 1, 0, 3, (byte) name.length});
      out.write(name);
      out.write(new byte[] {(byte) (port >> 8), (byte) port});
      return readSocks5Reply();
    }

    /** CONNECT by address; returns REP. */
    public int socks5Connect(InetAddress address, int port) throws IOException {
      byte[] bytes = address.getAddress();
      out.write(new byte[] {5, 1, 0, (byte) (bytes.length == 4 ? 1 : 4)});
      out.write(bytes);
      out.write(new byte[] {(byte) (port >> 8), (byte) port});
      return readSocks5Reply();
    }

    private int readSocks5Reply() throws IOException {
      return readSocks5Answer().code();
    }

    /** A SOCKS5 reply: REP and BND. */
    record Answer(int code, InetSocketAddress bound) {}

    /** Sends a request with an IPv4 DST; returns nothing, read the answer(s) next. */
    void socks5Request(int command, InetAddress address, int port) throws IOException {
      out.write(new byte[] {5, (byte) command, 0, 1});
      out.write(address.getAddress());
      out.write(new byte[] {(byte) (port >> 8), (byte) port});
    }

    Answer readSocks5Answer() throws IOException {
      byte[] head = readBytes(4);
      assertThat(head[0]).isEqualTo((byte) 5);
      byte[] address = readBytes(head[3] == 4 ? 16 : 4);
      int port = in.readUnsignedShort();
      return new Answer(
          head[1] & 0xFF, new InetSocketAddress(InetAddress.getByAddress(address), port));
    }

    /** SOCKS4 BIND; read the answers next. */
    void socks4Bind(InetAddress expectedPeer, int port) throws IOException {
      out.write(new byte[] {4, 2, (byte) (port >> 8), (byte) port});
      out.write(expectedPeer.getAddress());
      out.write("tester\0".getBytes(StandardCharsets.US_ASCII));
    }

    /** A SOCKS4 reply as (CD, DSTPORT/DSTIP). */
    Answer readSocks4Answer() throws IOException {
      byte[] reply = readBytes(8);
      assertThat(reply[0]).isEqualTo((byte) 0);
      int port = ((reply[2] & 0xFF) << 8) | (reply[3] & 0xFF);
      byte[] address = java.util.Arrays.copyOfRange(reply, 4, 8);
      return new Answer(
          reply[1] & 0xFF, new InetSocketAddress(InetAddress.getByAddress(address), port));
    }

    /** SOCKS4 CONNECT; returns CD. */
    int socks4Connect(InetAddress address, int port) throws IOException {
      out.write(new byte[] {4, 1, (byte) (port >> 8), (byte) port});
      out.write(address.getAddress());
      out.write("tester\0".getBytes(StandardCharsets.US_ASCII));
      return readSocks4Reply();
    }

    /** SOCKS4a CONNECT by name; returns CD. */
    int socks4aConnect(String host, int port) throws IOException {
      out.write(new byte[] {4, 1, (byte) (port >> 8), (byte) port, 0, 0, 0, 1});
      out.write(("tester\0" + host + "\0").getBytes(StandardCharsets.US_ASCII));
      return readSocks4Reply();
    }

    private int readSocks4Reply() throws IOException {
      byte[] reply = readBytes(8);
      assertThat(reply[0]).isEqualTo((byte) 0);
      return reply[1] & 0xFF;
    }

    public byte[] readBytes(int count) throws IOException {
      byte[] bytes = new byte[count];
      in.readFully(bytes);
      return bytes;
    }

    public String roundTrip(String text) throws IOException {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      out.write(bytes);
      return new String(readBytes(bytes.length), StandardCharsets.UTF_8);
    }

    /** True once the proxy has closed (FIN or RST); a read timeout is a failure. */
    public boolean closedByProxy() throws IOException {
      try {
        return in.read() == -1;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (SocketException reset) {
        return true;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /**
   * Echoes every byte back; when the client half-closes, it finishes echoing and half-closes too
   * (so a tunnel's half-close can be seen end to end).
   */
  public static final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    public EchoServer() throws IOException {
      server = new ServerSocket(0, 50, LOOPBACK);
      Thread.ofVirtual().name("echo-acceptor").start(this::acceptLoop);
    }

    public int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          accepted.add(socket);
          Thread.ofVirtual().name("echo").start(() -> echo(socket));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private static void echo(Socket socket) {
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
        }
        socket.shutdownOutput();
        in.read(); // wait for the proxy to close its side
      } catch (IOException gone) {
        // the proxy closed or reset the connection: nothing left to echo
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : accepted) {
        socket.close();
      }
    }
  }

  /** Accepts, reads one byte, then resets the connection (SO_LINGER 0). */
  static final class ResettingServer implements AutoCloseable {
    private final ServerSocket server;

    ResettingServer() throws IOException {
      server = new ServerSocket(0, 50, LOOPBACK);
      Thread.ofVirtual().name("resetter").start(this::acceptLoop);
    }

    public int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try (Socket socket = server.accept()) {
          socket.getInputStream().read();
          socket.setSoLinger(true, 0);
        } catch (IOException closed) {
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
