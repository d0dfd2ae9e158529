package dev.zcproxy.it.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A plain SOCKS4/4a client on a blocking socket, for BIND and for malformed requests. */
public final class Socks4Client implements AutoCloseable {

  public static final int CONNECT = 0x01;
  public static final int BIND = 0x02;

  public static final int GRANTED = 0x5A;
  public static final int REJECTED = 0x5B;

  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private Socks4Client(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  public static Socks4Client connect(int proxyPort) {
    try {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      return new Socks4Client(socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to the proxy on port " + proxyPort, e);
    }
  }

  /** A SOCKS4 request: VN CD DSTPORT DSTIP USERID NUL. */
  public Reply request(int command, Inet4Address address, int port, String userId)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream request = new DataOutputStream(bytes);
    request.writeByte(0x04);
    request.writeByte(command);
    request.writeShort(port);
    request.write(address.getAddress());
    request.write(userId.getBytes(StandardCharsets.US_ASCII));
    request.writeByte(0);
    out.write(bytes.toByteArray());
    out.flush();
    return readReply();
  }

  /** VN(0) CD DSTPORT DSTIP. */
  public Reply readReply() throws IOException {
    int version = in.readUnsignedByte();
    if (version != 0x00) {
      throw new IOException("SOCKS4 reply version " + version + ", expected 0");
    }
    int code = in.readUnsignedByte();
    int port = in.readUnsignedShort();
    InetAddress address = InetAddress.getByAddress(in.readNBytes(4));
    return new Reply(code, new InetSocketAddress(address, port));
  }

  public DataInputStream in() {
    return in;
  }

  public OutputStream out() {
    return out;
  }

  public Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A SOCKS4 reply; {@code bound} is 0.0.0.0 when the proxy means its own address. */
  public record Reply(int code, InetSocketAddress bound) {
    public InetSocketAddress reachableBound() {
      if (bound.getAddress().isAnyLocalAddress()) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
      }
      return bound;
    }
  }
}
