package dev.zcproxy.outbound.accesslog;

import dev.zcproxy.domain.access.AccessRecord;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** A record as one JSON object, fields in a fixed order, absent values as {@code null}. */
final class JsonLine {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final StringBuilder out = new StringBuilder(320).append('{');

  private JsonLine() {}

  static String of(AccessRecord r) {
    JsonLine line = new JsonLine();
    line.string("time", time(r.time()));
    line.number("durationMs", r.duration().toMillis());
    line.string("clientIp", r.client() == null ? null : r.client().getAddress().getHostAddress());
    line.number("clientPort", r.client() == null ? null : (long) r.client().getPort());
    line.string("user", r.user() == null ? "-" : r.user());
    line.string("protocol", r.protocol());
    line.string("command", r.command() == null ? null : r.command().label());
    line.string("method", r.method());
    line.string("destination", r.requested());
    line.string("connected", address(r.connected()));
    line.number("rule", r.rule() == 0 ? null : (long) r.rule());
    line.string("result", r.result().label());
    line.number("status", r.status() == 0 ? null : (long) r.status());
    line.string("relay", r.relay());
    line.number("bytesUp", r.bytesUp());
    line.number("bytesDown", r.bytesDown());
    return line.out.append('}').toString();
  }

  private static String time(Instant time) {
    return TIME.format(time.truncatedTo(ChronoUnit.MILLIS));
  }

  /** {@code ip:port}, with brackets around an IPv6 address. */
  static String address(InetSocketAddress address) {
    if (address == null) {
      return null;
    }
    String ip =
        address.getAddress() != null
            ? address.getAddress().getHostAddress()
            : address.getHostString();
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
  }

  private void name(String name) {
    if (out.length() > 1) {
      out.append(',');
    }
    out.append('"').append(name).append("\":");
  }

  private void number(String name, Long value) {
    name(name);
    out.append(value == null ? "null" : value.toString());
  }

  private void string(String name, String value) {
    name(name);
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
