package dev.zcproxy.outbound.wire;

/**
 * The message properties (JMS) or headers (AMQP 0-9-1) that carry a message's signature. Both are
 * valid Java identifiers, as JMS property names must be.
 */
public final class PolicyMessageHeaders {

  /** The id of the key that signed the body ({@code PolicySigningKey#keyId}). */
  public static final String KEY_ID = "zcproxyKeyId";

  /** The Ed25519 signature of the exact body bytes, in base64. */
  public static final String SIGNATURE = "zcproxySignature";

  /** The change's kind, for people looking at a queue; never trusted (the body has its own). */
  public static final String KIND = "zcproxyKind";

  private PolicyMessageHeaders() {}
}
