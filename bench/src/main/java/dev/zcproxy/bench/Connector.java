package dev.zcproxy.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Opens a blocking TCP connection to a target: directly, through a SOCKS5 proxy (RFC 1928 CONNECT,
 * with RFC 1929 username/password when credentials are given), or through a plain TCP forwarder
 * (HAProxy in {@code mode tcp}) whose backend is the target. The SOCKS handshake is the plain
 * sequential one, request after reply, the way curl and most clients do it, so every proxy is
 * measured on the same round trips.
 */
final class Connector {

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private final Optional<InetSocketAddress> socks;
  private final Optional<BenchOptions.Credentials> credentials;
  private final Optional<InetSocketAddress> forwarder;

  /**
   * @param socks the SOCKS5 proxy to go through, if any
   * @param credentials for the SOCKS5 proxy, if it wants them
   * @param forwarder a plain TCP forwarder to connect to instead of the target, if any; it must
   *     forward to the target by itself (at most one of {@code socks} and {@code forwarder})
   */
  Connector(
      Optional<InetSocketAddress> socks,
      Optional<BenchOptions.Credentials> credentials,
      Optional<InetSocketAddress> forwarder) {
    if (socks.isPresent() && forwarder.isPresent()) {
      throw new IllegalArgumentException("a SOCKS proxy and a TCP forwarder exclude each other");
    }
    this.socks = socks;
    this.credentials = credentials;
    this.forwarder = forwarder;
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
      socket.connect(socks.or(() -> forwarder).orElse(target), CONNECT_TIMEOUT_MILLIS);
      if (socks.isPresent()) {
        handshake(socket, target);
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private void handshake(Socket socket, InetSocketAddress target) throws IOException {
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
          0x01,
          0x00,
          0x01,
          address[0],
          address[1],
          address[2],
          address[3],
          (byte) (port >> 8),
          (byte) port
        });
    expect(in, "CONNECT reply", 0x05, 0x00);
    in.readUnsignedByte(); // RSV
    int addressType = in.readUnsignedByte();
    int addressLength =
        switch (addressType) {
          case 0x01 -> 4;
          case 0x04 -> 16;
          case 0x03 -> in.readUnsignedByte();
          default -> throw new IOException("unknown address type " + addressType + " in reply");
        };
    in.readNBytes(addressLength + 2);
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
