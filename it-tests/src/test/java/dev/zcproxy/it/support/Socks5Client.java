package dev.zcproxy.it.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately plain SOCKS5 client on a blocking socket, for what curl cannot do (BIND, UDP
 * ASSOCIATE) and for bytes no well-behaved client would send. Every read has a timeout, so a proxy
 * that hangs fails the test instead of stalling it.
 */
public final class Socks5Client implements AutoCloseable {

  public static final int CONNECT = 0x01;
  public static final int BIND = 0x02;
  public static final int UDP_ASSOCIATE = 0x03;

  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private Socks5Client(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  public static Socks5Client connect(int proxyPort) {
    try {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      socket.setTcpNoDelay(true);
      return new Socks5Client(socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to the proxy on port " + proxyPort, e);
    }
  }

  /** Offers only username/password (RFC 1929) and expects the proxy to accept the credentials. */
  public Socks5Client authenticate(String user, String password) throws IOException {
    send(0x05, 0x01, 0x02);
    expect("method selection", 0x05, 0x02);
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    byte[] name = user.getBytes(StandardCharsets.UTF_8);
    byte[] secret = password.getBytes(StandardCharsets.UTF_8);
    request.write(0x01);
    request.write(name.length);
    request.writeBytes(name);
    request.write(secret.length);
    request.writeBytes(secret);
    send(request.toByteArray());
    expect("authentication status", 0x01, 0x00);
    return this;
  }

  /**
   * Offers only GSS-API and runs RFC 1961 with {@code initiator}: context tokens until it is
   * established, then asks for confidentiality (as curl does). Returns the protection level the
   * proxy grants.
   *
   * @throws IOException also when the proxy answers with the abort {@code 0x01 0xFF}
   */
  public int authenticateGssapi(GssapiInitiator initiator) throws IOException {
    return authenticateGssapi(initiator, 0x02);
  }

  /** The same, asking for protection level {@code wish}. */
  public int authenticateGssapi(GssapiInitiator initiator, int wish) throws IOException {
    send(0x05, 0x01, 0x01);
    expect("method selection", 0x05, 0x01);
    byte[] token = initiator.step(new byte[0]);
    while (true) {
      sendGssapi(0x01, token);
      token = initiator.step(readGssapi(0x01));
      if (initiator.established()) {
        break;
      }
    }
    try {
      sendGssapi(0x02, initiator.wrap(new byte[] {(byte) wish}));
      byte[] level = initiator.unwrap(readGssapi(0x02));
      if (level.length != 1) {
        throw new IOException("a protection level of " + level.length + " bytes");
      }
      return level[0];
    } catch (org.ietf.jgss.GSSException e) {
      throw new IOException("GSS-API protection negotiation failed", e);
    }
  }

  /** RFC 1961 §5: {@code plain} wrapped (encrypted when {@code confidential}) in one message. */
  public void sendEncapsulated(GssapiInitiator initiator, byte[] plain, boolean confidential)
      throws IOException {
    try {
      sendGssapi(0x03, initiator.wrap(plain, confidential));
    } catch (org.ietf.jgss.GSSException e) {
      throw new IOException("cannot wrap", e);
    }
  }

  /** Unwraps encapsulated messages until {@code length} plain bytes have arrived. */
  public byte[] readEncapsulated(GssapiInitiator initiator, int length) throws IOException {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    while (plain.size() < length) {
      try {
        plain.writeBytes(initiator.unwrap(readGssapi(0x03)));
      } catch (org.ietf.jgss.GSSException e) {
        throw new IOException("cannot unwrap", e);
      }
    }
    return plain.toByteArray();
  }

  /** Unwraps encapsulated messages until the proxy closes. */
  public byte[] readEncapsulatedUntilClosed(GssapiInitiator initiator) throws IOException {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    while (true) {
      int version = in.read();
      if (version < 0) {
        return plain.toByteArray();
      }
      int type = in.readUnsignedByte();
      if (version != 0x01 || type != 0x03) {
        throw new IOException("GSS-API message " + version + " " + type + ", expected 1 3");
      }
      try {
        plain.writeBytes(initiator.unwrap(readExactly(in.readUnsignedShort())));
      } catch (org.ietf.jgss.GSSException e) {
        throw new IOException("cannot unwrap", e);
      }
    }
  }

  /** Sends the first context token only; the caller reads what the proxy answers. */
  public void startGssapi(GssapiInitiator initiator) throws IOException {
    send(0x05, 0x01, 0x01);
    expect("method selection", 0x05, 0x01);
    sendGssapi(0x01, initiator.step(new byte[0]));
  }

  private void sendGssapi(int type, byte[] token) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    message.write(0x01);
    message.write(type);
    message.write(token.length >> 8);
    message.write(token.length);
    message.writeBytes(token);
    send(message.toByteArray());
  }

  private byte[] readGssapi(int type) throws IOException {
    int version = in.readUnsignedByte();
    int actualType = in.readUnsignedByte();
    if (version != 0x01 || actualType != type) {
      throw new IOException(
          "GSS-API message " + version + " " + actualType + ", expected 1 " + type);
    }
    return readExactly(in.readUnsignedShort());
  }

  /** Offers only "no authentication", which an anonymous policy accepts. */
  public Socks5Client negotiateNoAuthentication() throws IOException {
    send(0x05, 0x01, 0x00);
    expect("method selection", 0x05, 0x00);
    return this;
  }

  /** Sends a request; an unresolved destination goes out as a domain name (ATYP 3). */
  public Socks5Reply request(int command, InetSocketAddress destination) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream request = new DataOutputStream(bytes);
    request.writeByte(0x05);
    request.writeByte(command);
    request.writeByte(0x00);
    Socks5Wire.writeAddress(request, destination);
    send(bytes.toByteArray());
    return readReply();
  }

  public Socks5Reply readReply() throws IOException {
    int version = in.readUnsignedByte();
    if (version != 0x05) {
      throw new IOException("reply version " + version + ", expected 5");
    }
    int code = in.readUnsignedByte();
    in.readUnsignedByte(); // RSV
    return new Socks5Reply(code, Socks5Wire.readAddress(in));
  }

  public void send(int... bytes) throws IOException {
    byte[] raw = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      raw[i] = (byte) bytes[i];
    }
    send(raw);
  }

  public void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public byte[] readExactly(int length) throws IOException {
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  /**
   * True when the proxy closed the connection: end of stream, or a reset (the proxy closed while
   * unread bytes of ours were still queued on its side, so the kernel answered with RST).
   */
  public boolean closedByProxy() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketException e) {
      return true;
    }
  }

  /** Everything the proxy sends until it closes; a reset after the bytes counts as the close. */
  public byte[] readUntilClosed() throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[512];
    try {
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        received.write(buffer, 0, read);
      }
    } catch (SocketException e) {
      // reset: see closedByProxy
    }
    return received.toByteArray();
  }

  public Socket socket() {
    return socket;
  }

  private void expect(String what, int... expected) throws IOException {
    for (int i = 0; i < expected.length; i++) {
      int actual = in.read();
      if (actual != expected[i]) {
        throw new IOException(what + ": byte " + i + " is " + actual + ", expected " + expected[i]);
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
