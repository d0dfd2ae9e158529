package dev.zcproxy.outbound.accesslog;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A record in Squid's native {@code access.log} layout, {@code logformat squid}: <br>
 * {@code %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt}, ten fields separated by
 * spaces. Tunnels of any kind are {@code TCP_TUNNEL/200}, forwarded requests {@code TCP_MISS} with
 * the status the client got, refusals {@code TCP_DENIED/403} (policy) or {@code /407}
 * (authentication), and failures to reach the destination {@code TCP_MISS/503} or {@code /504}. The
 * size is what Squid logs: the bytes sent to the client. Fields that could hold a space are
 * percent-encoded, as Squid does, so that every line splits into exactly ten fields.
 */
final class SquidLine {
  private SquidLine() {}

  static String of(AccessRecord r) {
    long millis = r.time().toEpochMilli();
    StringBuilder out = new StringBuilder(200);
    out.append(Math.floorDiv(millis, 1000)).append('.');
    pad(out, Math.floorMod(millis, 1000), 3);
    out.append(' ');
    String elapsed = Long.toString(r.duration().toMillis());
    out.append(" ".repeat(Math.max(0, 6 - elapsed.length()))).append(elapsed).append(' ');
    out.append(r.client() == null ? "-" : r.client().getAddress().getHostAddress()).append(' ');
    out.append(code(r)).append('/');
    pad(out, status(r), 3);
    out.append(' ').append(r.bytesDown()).append(' ');
    out.append(token(method(r))).append(' ');
    out.append(token(r.requested())).append(' ');
    out.append(token(r.user())).append(' ');
    if (r.connected() != null && r.connected().getAddress() != null) {
      out.append("HIER_DIRECT/").append(r.connected().getAddress().getHostAddress());
    } else {
      out.append("HIER_NONE/-");
    }
    return out.append(" -").toString();
  }

  private static String code(AccessRecord r) {
    return switch (r.result()) {
      case DENIED, AUTH_FAILED -> "TCP_DENIED";
      default ->
          r.command() == AccessCommand.FORWARD
              ? "TCP_MISS"
              : r.result().served() ? "TCP_TUNNEL" : "TCP_MISS";
    };
  }

  private static int status(AccessRecord r) {
    if (r.status() != 0) {
      return r.status();
    }
    return switch (r.result()) {
      case OK, IDLE_TIMEOUT, RESET, CLOSED, CLOSED_BY_POLICY -> 200;
      case DENIED -> 403;
      case AUTH_FAILED -> 407;
      case UNREACHABLE, REFUSED -> 503;
      case TIMEOUT -> 504;
      case ERROR -> 500;
    };
  }

  /** Squid's {@code %rm}: the HTTP method, or the tunnel's kind for SOCKS and UDP. */
  private static String method(AccessRecord r) {
    if (r.method() != null) {
      return r.method();
    }
    if (r.command() == null) {
      return "-";
    }
    return switch (r.command()) {
      case CONNECT -> "CONNECT";
      case BIND -> "BIND";
      case UDP -> "UDP_ASSOCIATE";
      case CONNECT_UDP -> "CONNECT-UDP";
      case FORWARD -> "-";
    };
  }

  private static void pad(StringBuilder out, long value, int width) {
    String digits = Long.toString(value);
    out.append("0".repeat(Math.max(0, width - digits.length()))).append(digits);
  }

  /** {@code -} for nothing; otherwise the value with spaces, controls and {@code %} escaped. */
  static String token(String value) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean plain = c > 0x20 && c < 0x7f && c != '%';
      if (plain && out == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(value.length() + 8).append(value, 0, i);
      }
      if (plain) {
        out.append(c);
      } else {
        int end = Character.isHighSurrogate(c) && i + 1 < value.length() ? i + 2 : i + 1;
        for (byte b : value.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
        }
        i = end - 1;
      }
    }
    return out == null ? value : out.toString();
  }
}
