package dev.zcproxy.domain.access;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The facts of one access log line: one finished tunnel, forwarded request, UDP association or
 * CONNECT-UDP flow, or one refusal. Holds no secret: the user is a principal's name, never a
 * password or a header value.
 *
 * @param time when it ended (a refusal: when it was refused)
 * @param duration from the request to the end
 * @param client the client's address and port, or null if unknown
 * @param user the principal's name, or null before authentication (logged as {@code -})
 * @param protocol the front end's protocol: {@code socks4}, {@code socks5}, {@code http}, {@code
 *     h2}, {@code h3}
 * @param command what the client asked for, or null when it failed before it said (a SOCKS5 login)
 * @param method the HTTP method of a forwarded request, or null
 * @param requested the destination as the client asked for it: {@code host:port}, or the URL of a
 *     forwarded request; null if it never said
 * @param connected the address the proxy connected to (or, for UDP, the last one it sent to), or
 *     null
 * @param rule the 1-based number of the policy rule that decided, or 0 when none did
 * @param result how it ended
 * @param status the HTTP status the client got for a forwarded request, or 0
 * @param relay what moved the bytes: {@code copy}, {@code splice}, {@code udp}, or null for none
 * @param bytesUp bytes from the client to the destination
 * @param bytesDown bytes from the destination to the client
 */
public record AccessRecord(
    Instant time,
    Duration duration,
    InetSocketAddress client,
    String user,
    String protocol,
    AccessCommand command,
    String method,
    String requested,
    InetSocketAddress connected,
    int rule,
    AccessResult result,
    int status,
    String relay,
    long bytesUp,
    long bytesDown) {

  public AccessRecord {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(result, "result");
    duration = duration == null || duration.isNegative() ? Duration.ZERO : duration;
    if (rule < 0) {
      throw new IllegalArgumentException("rule must not be negative: " + rule);
    }
    if (status < 0 || status > 999) {
      throw new IllegalArgumentException("status out of range: " + status);
    }
    if (bytesUp < 0 || bytesDown < 0) {
      throw new IllegalArgumentException("byte counts must not be negative");
    }
  }
}
