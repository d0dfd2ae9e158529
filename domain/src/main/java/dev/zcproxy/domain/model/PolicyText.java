package dev.zcproxy.domain.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text forms of rule fields, as the policy file, the REST API and the stores write them: {@code
 * allow}/{@code deny}, {@code tcp}/{@code udp}, and ports as {@code "443"} or {@code "8000-8999"}.
 * Destinations have theirs in {@link DestinationPattern#parse} and {@code toString}.
 */
public final class PolicyText {

  private static final Pattern PORT_RANGE = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");

  private PolicyText() {}

  /**
   * @throws IllegalArgumentException unless {@code text} is a port or a range like 8000-8999
   */
  public static PortRange parsePortRange(String text) {
    Matcher matcher = text == null ? null : PORT_RANGE.matcher(text.trim());
    if (matcher == null || !matcher.matches()) {
      throw new IllegalArgumentException("expected a port or a range like 8000-8999, got " + text);
    }
    int from = Integer.parseInt(matcher.group(1));
    int to = matcher.group(2) == null ? from : Integer.parseInt(matcher.group(2));
    return new PortRange(from, to);
  }

  /**
   * @throws IllegalArgumentException unless {@code text} is tcp or udp (any case)
   */
  public static Protocol parseProtocol(String text) {
    return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
      case "tcp" -> Protocol.TCP;
      case "udp" -> Protocol.UDP;
      default -> throw new IllegalArgumentException("expected tcp or udp, got " + text);
    };
  }

  /**
   * @throws IllegalArgumentException unless {@code text} is allow or deny (any case)
   */
  public static Action parseAction(String text) {
    return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
      case "allow" -> Action.ALLOW;
      case "deny" -> Action.DENY;
      default -> throw new IllegalArgumentException("expected allow or deny, got " + text);
    };
  }

  public static String format(Protocol protocol) {
    return protocol.name().toLowerCase(Locale.ROOT);
  }

  public static String format(Action action) {
    return action.name().toLowerCase(Locale.ROOT);
  }
}
