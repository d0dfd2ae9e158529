package dev.zcproxy.inbound.netty.handshake;

/** Every handler name in one place, so handlers can find, replace and remove each other. */
public final class PipelineNames {
  static final String CONNECTION_GUARD = "connection-guard";
  public static final String TLS_DETECTOR = "tls-detector";
  public static final String TLS = "tls";
  public static final String TLS_SESSION = "tls-session";
  public static final String HANDSHAKE_TIMEOUT = "handshake-timeout";
  public static final String PROTOCOL_DETECTOR = "protocol-detector";
  public static final String SOCKS4_DECODER = "socks4-request-decoder";
  public static final String SOCKS4_HANDLER = "socks4-handler";
  public static final String SOCKS5_INITIAL_DECODER = "socks5-initial-decoder";
  public static final String SOCKS5_PASSWORD_DECODER = "socks5-password-decoder";
  public static final String SOCKS5_GSSAPI_DECODER = "socks5-gssapi-decoder";
  public static final String SOCKS5_GSSAPI_ENCAPSULATION = "socks5-gssapi-encapsulation";
  public static final String SOCKS5_REQUEST_DECODER = "socks5-request-decoder";
  public static final String SOCKS5_HANDLER = "socks5-handler";
  public static final String HTTP_REQUEST_DECODER = "http-request-decoder";
  public static final String HTTP_RESPONSE_ENCODER = "http-response-encoder";
  public static final String HTTP_IDLE_TIMEOUT = "http-idle-timeout";
  public static final String HTTP_HANDLER = "http-handler";
  public static final String HTTP_CLIENT_CODEC = "http-client-codec";
  public static final String HTTP_UPSTREAM_HANDLER = "http-upstream-handler";
  public static final String H2_PREFACE_DETECTOR = "h2-preface-detector";
  public static final String H2_FRAME_CODEC = "h2-frame-codec";
  public static final String H2_MULTIPLEX = "h2-multiplex";
  public static final String H2_IDLE_TIMEOUT = "h2-idle-timeout";
  public static final String H2_SESSION = "h2-session";
  public static final String H2_STREAM_IDLE_TIMEOUT = "h2-stream-idle-timeout";
  public static final String H2_REQUEST_STREAM = "h2-request-stream";
  public static final String H2_FORWARD = "h2-forward";
  public static final String H2_RELAY = "h2-relay";
  public static final String IDLE_TIMEOUT = "idle-timeout";
  public static final String RELAY = "relay";
  public static final String RELAY_HANDOVER = "relay-handover";
  public static final String UDP_RELAY = "udp-relay";
  public static final String BIND_ACCEPTOR = "bind-acceptor";

  private PipelineNames() {}
}
