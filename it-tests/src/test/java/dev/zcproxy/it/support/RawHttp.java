package dev.zcproxy.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * HTTP/1.1 on a plain socket, for what curl will not send: a request with both Content-Length and
 * Transfer-Encoding, say. The request goes out in one write; the answer is read until the proxy
 * closes the connection or {@link #READ_TIMEOUT_MILLIS} passes without a byte.
 */
public final class RawHttp {

  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private RawHttp() {}

  /** The value of a {@code Proxy-Authorization} header for Basic credentials. */
  public static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code request} as it is (lines end in CRLF by the caller) and reads the answer. */
  public static Response exchange(int port, String request) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      boolean closed = readUntilClosed(socket.getInputStream(), received);
      return new Response(received.toString(StandardCharsets.ISO_8859_1), closed);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot talk to the proxy on port " + port, e);
    }
  }

  /** Whether the peer closed the connection (false: it went silent and kept it open). */
  private static boolean readUntilClosed(InputStream in, ByteArrayOutputStream received)
      throws IOException {
    byte[] buffer = new byte[8192];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        received.write(buffer, 0, n);
      }
      return true;
    } catch (SocketTimeoutException silent) {
      return false;
    } catch (SocketException reset) {
      // A close with unread input on the proxy's side comes as a reset: still a close.
      return true;
    }
  }

  /**
   * What came back.
   *
   * @param text everything received, decoded as ISO-8859-1
   * @param closed whether the proxy closed the connection after it
   */
  public record Response(String text, boolean closed) {

    /** The status code of the first response, or 0 when nothing that looks like one came. */
    public int status() {
      if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
        return 0;
      }
      return Integer.parseInt(text.substring(9, 12));
    }

    /** What follows the first response head. */
    public String body() {
      int endOfHead = text.indexOf("\r\n\r\n");
      return endOfHead < 0 ? "" : text.substring(endOfHead + 4);
    }
  }
}
