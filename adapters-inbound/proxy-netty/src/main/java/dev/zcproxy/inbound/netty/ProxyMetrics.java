package dev.zcproxy.inbound.netty;

/**
 * What the front end reports. Labels are low-cardinality: a protocol ({@code socks4}, {@code
 * socks5}, ...), never a user name or an address.
 */
interface ProxyMetrics {

  void connectionAccepted(String protocol);

  void connectionRejected(String protocol, String reason);

  void authenticationFailed(String protocol, String reason);

  void handshakeCompleted(String protocol, long nanos);

  void tunnelOpened(String protocol);

  void tunnelClosed(String protocol);

  /**
   * @param direction {@code upstream} (client to destination) or {@code downstream}
   */
  void bytesRelayed(String protocol, String direction, long bytes);
}
