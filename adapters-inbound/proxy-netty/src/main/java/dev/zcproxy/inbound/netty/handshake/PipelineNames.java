package dev.zcproxy.inbound.netty.handshake;

/**
 * The handler names every protocol's pipeline shares. Each protocol names its own handlers (see its
 * front end); these are the ones in front of all of them.
 */
public final class PipelineNames {
  /** The {@link HandshakeGuard}, until the tunnel is up. */
  public static final String HANDSHAKE_TIMEOUT = "handshake-timeout";

  /** The protocol detector, until the first bytes have chosen a front end. */
  public static final String PROTOCOL_DETECTOR = "protocol-detector";

  /**
   * The last handler of a layer that decrypts the connection (TLS), where there is one: a
   * protocol's decoder goes right behind it, and bytes replayed into the decoder are fired from it
   * ({@link Plaintext}).
   */
  public static final String PLAINTEXT_BOUNDARY = "tls-session";

  /**
   * On the listening socket's own pipeline, not a client's: accept failures for want of file
   * descriptors, counted and logged once per interval ({@code server.AcceptFailureHandler}).
   */
  public static final String ACCEPT_FAILURES = "accept-failures";

  private PipelineNames() {}
}
