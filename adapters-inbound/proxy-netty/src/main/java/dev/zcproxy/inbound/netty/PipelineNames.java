package dev.zcproxy.inbound.netty;

/** Every handler name in one place, so handlers can find, replace and remove each other. */
final class PipelineNames {
  static final String CONNECTION_GUARD = "connection-guard";
  static final String TLS_DETECTOR = "tls-detector";
  static final String TLS = "tls";
  static final String TLS_SESSION = "tls-session";
  static final String HANDSHAKE_TIMEOUT = "handshake-timeout";
  static final String PROTOCOL_DETECTOR = "protocol-detector";
  static final String SOCKS4_DECODER = "socks4-request-decoder";
  static final String SOCKS4_HANDLER = "socks4-handler";
  static final String SOCKS5_INITIAL_DECODER = "socks5-initial-decoder";
  static final String SOCKS5_PASSWORD_DECODER = "socks5-password-decoder";
  static final String SOCKS5_GSSAPI_DECODER = "socks5-gssapi-decoder";
  static final String SOCKS5_GSSAPI_ENCAPSULATION = "socks5-gssapi-encapsulation";
  static final String SOCKS5_REQUEST_DECODER = "socks5-request-decoder";
  static final String SOCKS5_HANDLER = "socks5-handler";
  static final String HTTP_REQUEST_DECODER = "http-request-decoder";
  static final String HTTP_RESPONSE_ENCODER = "http-response-encoder";
  static final String HTTP_IDLE_TIMEOUT = "http-idle-timeout";
  static final String HTTP_HANDLER = "http-handler";
  static final String HTTP_CLIENT_CODEC = "http-client-codec";
  static final String HTTP_UPSTREAM_HANDLER = "http-upstream-handler";
  static final String H2_PREFACE_DETECTOR = "h2-preface-detector";
  static final String H2_FRAME_CODEC = "h2-frame-codec";
  static final String H2_MULTIPLEX = "h2-multiplex";
  static final String H2_IDLE_TIMEOUT = "h2-idle-timeout";
  static final String H2_SESSION = "h2-session";
  static final String H2_STREAM_IDLE_TIMEOUT = "h2-stream-idle-timeout";
  static final String H2_REQUEST_STREAM = "h2-request-stream";
  static final String H2_FORWARD = "h2-forward";
  static final String H2_RELAY = "h2-relay";
  static final String IDLE_TIMEOUT = "idle-timeout";
  static final String RELAY = "relay";
  static final String RELAY_HANDOVER = "relay-handover";
  static final String UDP_RELAY = "udp-relay";
  static final String BIND_ACCEPTOR = "bind-acceptor";

  private PipelineNames() {}
}
