package dev.zcproxy.inbound.netty.relay.spi;

/**
 * What a {@link SocketRelay} tells the front end about a tunnel it carries, for metrics and the
 * count of open tunnels. Called on the tunnel's event loop.
 */
public interface TunnelObserver {

  /** Which way bytes went. */
  enum Direction {
    /** From the client to the destination. */
    UPSTREAM("upstream"),
    /** From the destination to the client. */
    DOWNSTREAM("downstream");

    private final String label;

    Direction(String label) {
      this.label = label;
    }

    /** The metrics label. */
    public String label() {
      return label;
    }
  }

  /** {@code bytes} more were delivered in {@code direction} (written to the receiving socket). */
  void bytesRelayed(Direction direction, long bytes);

  /** The tunnel has ended; called exactly once, before the relay closes the channels. */
  void closed(TunnelEnding ending);
}
