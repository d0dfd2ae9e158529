package dev.zcproxy.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Opens a blocking TCP connection to a target: directly, through a SOCKS5 proxy (RFC 1928 CONNECT,
 * with RFC 1929 username/password when credentials are given), through an HTTP/1.1 proxy's {@code
 * CONNECT} (RFC 9110 §9.3.6), or through a plain TCP forwarder (HAProxy in {@code mode tcp}) whose
 * backend is the target. Each handshake is the plain sequential one, request after reply, the way
 * curl and most clients do it, so every proxy is measured on the same round trips.
 */
final class Connector {

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int READ_TIMEOUT_MILLIS = 10_000;
  private static final int MAX_CONNECT_REPLY_BYTES = 8192;

  private final Optional<InetSocketAddress> socks;
  private final Optional<BenchOptions.Credentials> credentials;
  private final Optional<InetSocketAddress> forwarder;
  private final Optional<InetSocketAddress> httpConnect;

  /**
   * @param socks the SOCKS5 proxy to go through, if any
   * @param credentials for the SOCKS5 proxy, if it wants them
   * @param forwarder a plain TCP forwarder to connect to instead of the target, if any; it must
   *     forward to the target by itself
   * @param httpConnect an HTTP/1.1 proxy to ask for a {@code CONNECT} tunnel, if any (at most one
   *     of {@code socks}, {@code forwarder} and {@code httpConnect})
   */
  Connector(
      Optional<InetSocketAddress> socks,
      Optional<BenchOptions.Credentials> credentials,
      Optional<InetSocketAddress> forwarder,
      Optional<InetSocketAddress> httpConnect) {
    if (Stream.of(socks, forwarder, httpConnect).filter(Optional::isPresent).count() > 1) {
      throw new IllegalArgumentException(
          "a SOCKS proxy, a TCP forwarder and an HTTP proxy exclude each other");
    }
    this.socks = socks;
    this.credentials = credentials;
    this.forwarder = forwarder;
    this.httpConnect = httpConnect;
  }

  /**
   * The channel is blocking; reads through {@code channel.socket()}'s streams time out after 10 s,
   * so a stalled peer ends a run with an error instead of hanging it.
   */
  SocketChannel open(InetSocketAddress target) throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      Socket socket = channel.socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      socket.connect(
          socks.or(() -> forwarder).or(() -> httpConnect).orElse(target), CONNECT_TIMEOUT_MILLIS);
      if (socks.isPresent()) {
        handshake(socket, target);
      } else if (httpConnect.isPresent()) {
        httpConnectHandshake(socket, target);
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * SOCKS5 UDP ASSOCIATE (RFC 1928 §7) on a new control connection to the SOCKS proxy, naming
   * {@code clientUdp} as the address the client will send from.
   *
   * @return the control connection, to be held open as long as the association is used (closing it
   *     ends the association), and the relay address the proxy announced
   */
  UdpAssociation associateUdp(InetSocketAddress clientUdp) throws IOException {
    InetSocketAddress proxy =
        socks.orElseThrow(() -> new IllegalStateException("UDP ASSOCIATE needs a SOCKS proxy"));
    Socket control = new Socket();
    try {
      control.setTcpNoDelay(true);
      control.setSoTimeout(READ_TIMEOUT_MILLIS);
      control.connect(proxy, CONNECT_TIMEOUT_MILLIS);
      InetSocketAddress relay = handshake(control, clientUdp, SOCKS5_UDP_ASSOCIATE);
      if (relay.isUnresolved()) {
        throw new IOException("the proxy announced its UDP relay by name: " + relay);
      }
      if (relay.getAddress().isAnyLocalAddress()) {
        // RFC 1928 leaves an unspecified BND.ADDR to mean "the address you reached me on"
        relay = new InetSocketAddress(proxy.getAddress(), relay.getPort());
      }
      return new UdpAssociation(control, relay);
    } catch (IOException | RuntimeException e) {
      control.close();
      throw e;
    }
  }

  /**
   * @param control the SOCKS5 control connection; the association lasts as long as it is open
   * @param relay where to send SOCKS5-framed datagrams
   */
  record UdpAssociation(Socket control, InetSocketAddress relay) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      control.close();
    }
  }

  private static final int SOCKS5_CONNECT = 0x01;
  private static final int SOCKS5_UDP_ASSOCIATE = 0x03;

  private void handshake(Socket socket, InetSocketAddress target) throws IOException {
    handshake(socket, target, SOCKS5_CONNECT);
  }

  /** Method selection, RFC 1929 if credentials are given, then the request; returns BND. */
  private InetSocketAddress handshake(Socket socket, InetSocketAddress target, int command)
      throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    OutputStream out = socket.getOutputStream();
    int method = credentials.isPresent() ? 0x02 : 0x00;
    out.write(new byte[] {0x05, 0x01, (byte) method});
    expect(in, "method selection", 0x05, method);
    if (credentials.isPresent()) {
      byte[] user = credentials.get().user().getBytes(StandardCharsets.UTF_8);
      byte[] password = credentials.get().password().getBytes(StandardCharsets.UTF_8);
      byte[] request = new byte[3 + user.length + password.length];
      request[0] = 0x01;
      request[1] = (byte) user.length;
      System.arraycopy(user, 0, request, 2, user.length);
      request[2 + user.length] = (byte) password.length;
      System.arraycopy(password, 0, request, 3 + user.length, password.length);
      out.write(request);
      expect(in, "authentication", 0x01, 0x00);
    }
    byte[] address = target.getAddress().getAddress();
    if (address.length != 4) {
      throw new IOException("this load generator targets IPv4 sinks only, not " + target);
    }
    int port = target.getPort();
    out.write(
        new byte[] {
          0x05,
          (byte) command,
          0x00,
          0x01,
          address[0],
          address[1],
          address[2],
          address[3],
          (byte) (port >> 8),
          (byte) port
        });
    expect(in, command == SOCKS5_CONNECT ? "CONNECT reply" : "UDP ASSOCIATE reply", 0x05, 0x00);
    in.readUnsignedByte(); // RSV
    int addressType = in.readUnsignedByte();
    int addressLength =
        switch (addressType) {
          case 0x01 -> 4;
          case 0x04 -> 16;
          case 0x03 -> in.readUnsignedByte();
          default -> throw new IOException("unknown address type " + addressType + " in reply");
        };
    byte[] bound = in.readNBytes(addressLength);
    int boundPort = in.readUnsignedShort();
    if (addressType == 0x03) {
      return InetSocketAddress.createUnresolved(
          new String(bound, StandardCharsets.US_ASCII), boundPort);
    }
    return new InetSocketAddress(InetAddress.getByAddress(bound), boundPort);
  }

  /**
   * Sends {@code CONNECT 127.0.0.1:PORT HTTP/1.1} with its Host header and reads the reply head up
   * to its blank line, one byte at a time: the tunnel's first bytes may follow it at once (a source
   * starts writing as soon as it is connected), and they belong to the run, not to the head.
   */
  private static void httpConnectHandshake(Socket socket, InetSocketAddress target)
      throws IOException {
    String authority = target.getAddress().getHostAddress() + ":" + target.getPort();
    OutputStream out = socket.getOutputStream();
    out.write(
        ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int next = in.read();
      if (next < 0) {
        throw new IOException("HTTP CONNECT failed: the proxy closed after " + quoted(head));
      }
      if (head.length() >= MAX_CONNECT_REPLY_BYTES) {
        throw new IOException("HTTP CONNECT failed: reply head over " + MAX_CONNECT_REPLY_BYTES);
      }
      head.append((char) next);
    }
    String statusLine = head.substring(0, head.indexOf("\r\n"));
    if (!statusLine.equals("HTTP/1.1 200") && !statusLine.startsWith("HTTP/1.1 200 ")) {
      throw new IOException("HTTP CONNECT failed: got " + quoted(statusLine) + ", expected 200");
    }
  }

  private static String quoted(CharSequence text) {
    return '"' + text.toString().replace("\r\n", "\\r\\n") + '"';
  }

  private static void expect(DataInputStream in, String step, int version, int status)
      throws IOException {
    int actualVersion = in.readUnsignedByte();
    int actualStatus = in.readUnsignedByte();
    if (actualVersion != version || actualStatus != status) {
      throw new IOException(
          "SOCKS5 "
              + step
              + " failed: got "
              + actualVersion
              + " "
              + actualStatus
              + ", expected "
              + version
              + " "
              + status);
    }
  }
}
