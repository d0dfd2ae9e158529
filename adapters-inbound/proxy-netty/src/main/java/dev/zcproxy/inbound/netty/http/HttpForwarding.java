package dev.zcproxy.inbound.netty.http;

/**
 * What every forwarding exchange of one server shares, whichever HTTP version the client spoke: the
 * upstream connection pool and the name the proxy goes by in {@code Via}.
 */
public interface HttpForwarding {

  HttpUpstreamPool pool();

  /**
   * This proxy's name in {@code Via} (RFC 9110 §7.6.3): random per server, so that two proxies in a
   * chain never take each other's entry for a loop.
   */
  String pseudonym();
}
