package dev.zcproxy.inbound.netty.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The header rewriting of a forwarding proxy (RFC 9110 §7.6): hop-by-hop fields are dropped in both
 * directions, {@code Via} names this proxy, and a request whose {@code Via} already names it is a
 * loop.
 *
 * <p>Framing is never taken from the client's or the origin's headers as they were: callers set
 * {@code Content-Length} or {@code Transfer-Encoding} afresh from what the decoder actually read.
 * That is also why a {@code Connection} header cannot make the proxy drop {@code Content-Length} or
 * {@code Host} (a classic request-smuggling trick): those names are ignored there.
 */
public final class HttpForwardHeaders {

  /** RFC 9110 §7.6.1, plus the pre-standard ones clients and servers still send. */
  private static final List<AsciiString> HOP_BY_HOP =
      List.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.PROXY_AUTHORIZATION,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE);

  /** End-to-end fields a {@code Connection} option must not remove. */
  private static final Set<String> PROTECTED =
      Set.of("content-length", "host", "via", "transfer-encoding");

  private HttpForwardHeaders() {}

  /** Removes the hop-by-hop fields, and every field the {@code Connection} header names. */
  public static void removeHopByHop(HttpHeaders headers) {
    for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String option : connection.split(",")) {
        String name = option.strip().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !PROTECTED.contains(name)) {
          headers.remove(name);
        }
      }
    }
    for (AsciiString name : HOP_BY_HOP) {
      headers.remove(name);
    }
  }

  /** Appends this proxy to {@code Via}: the protocol it received the message in, and its name. */
  static void addVia(HttpHeaders headers, HttpVersion received, String pseudonym) {
    headers.add(HttpHeaderNames.VIA, viaVersion(received) + " " + pseudonym);
  }

  /**
   * RFC 9110 §7.6.3: the protocol version as the protocol names itself, {@code 1.1} or {@code 2}.
   */
  private static String viaVersion(HttpVersion version) {
    return version.minorVersion() == 0 && version.majorVersion() >= 2
        ? Integer.toString(version.majorVersion())
        : version.majorVersion() + "." + version.minorVersion();
  }

  /**
   * Whether a {@code Via} entry was added by this proxy: {@code [protocol/]version received-by
   * [comment]}, compared by received-by.
   */
  public static boolean isLoop(HttpHeaders headers, String pseudonym) {
    for (String via : headers.getAll(HttpHeaderNames.VIA)) {
      for (String entry : via.split(",")) {
        String[] parts = entry.strip().split("[ \t]+");
        if (parts.length >= 2 && parts[1].equalsIgnoreCase(pseudonym)) {
          return true;
        }
      }
    }
    return false;
  }
}
