package dev.zcproxy.domain.model;

/** An inclusive range of TCP/UDP ports, {@code 1..65535}. */
public record PortRange(int from, int to) {

  public static final PortRange ALL = new PortRange(1, 65535);

  public PortRange {
    if (from < 1 || to > 65535 || from > to) {
      throw new IllegalArgumentException(
          "port range must be within 1-65535 with from <= to, got " + from + "-" + to);
    }
  }

  public static PortRange single(int port) {
    return new PortRange(port, port);
  }

  public boolean contains(int port) {
    return port >= from && port <= to;
  }

  @Override
  public String toString() {
    return from == to ? Integer.toString(from) : from + "-" + to;
  }
}
