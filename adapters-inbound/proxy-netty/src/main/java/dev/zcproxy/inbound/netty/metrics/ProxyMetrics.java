package dev.zcproxy.inbound.netty.metrics;

/**
 * What the front end reports. Labels are low-cardinality: a protocol ({@code socks4}, {@code
 * socks5}, ...) and the relay that moved a tunnel's bytes ({@link #COPY}, {@link #UDP}, or a socket
 * relay's own name such as {@code splice}), never a user name or an address.
 */
public interface ProxyMetrics {

  /** Bytes moved through Netty's buffers in user space: the copy relay and HTTP forwarding. */
  String COPY = "copy";

  /** Datagrams of a SOCKS5 UDP association, through kernel UDP sockets. */
  String UDP = "udp";

  void connectionAccepted(String protocol);

  void connectionRejected(String protocol, String reason);

  void authenticationFailed(String protocol, String reason);

  void handshakeCompleted(String protocol, long nanos);

  void tunnelOpened(String protocol, String relay);

  void tunnelClosed(String protocol, String relay);

  /**
   * @param direction {@code upstream} (client to destination) or {@code downstream}
   */
  void bytesRelayed(String protocol, String relay, String direction, long bytes);
}
