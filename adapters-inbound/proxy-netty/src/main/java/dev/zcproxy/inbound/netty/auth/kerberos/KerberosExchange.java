package dev.zcproxy.inbound.netty.auth.kerberos;

import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.MessageProp;

/**
 * One client's GSS-API security context on the acceptor side. Not thread-safe: the handler that
 * owns it calls it from one thread at a time (the authentication pool, then its event loop, with
 * the promise between them as the hand-over).
 */
public final class KerberosExchange implements AutoCloseable {

  /** What one accepted token leads to. */
  sealed interface Step {
    /** The client owes another token; send it {@code token}. */
    record Continue(byte[] token) implements Step {}

    /**
     * The client is authenticated as {@code client} (e.g. {@code alice@ZCPROXY.TEST}); {@code
     * token} (mutual authentication) is owed to it, or null.
     */
    record Established(byte[] token, String client) implements Step {}
  }

  private final GSSContext context;

  KerberosExchange(GSSContext context) {
    this.context = context;
  }

  /**
   * Feeds a client token to the context.
   *
   * @throws GSSException when the token is malformed, forged, expired, replayed or not for us
   */
  Step accept(byte[] token) throws GSSException {
    byte[] answer = context.acceptSecContext(token, 0, token.length);
    if (!context.isEstablished()) {
      if (answer == null || answer.length == 0) {
        throw new GSSException(GSSException.DEFECTIVE_TOKEN, 0, "no token to answer with");
      }
      return new Step.Continue(answer);
    }
    return new Step.Established(
        answer == null || answer.length == 0 ? null : answer, context.getSrcName().toString());
  }

  /** Protects {@code message} for the client: integrity only, or also confidentiality. */
  public byte[] wrap(byte[] message, boolean confidential) throws GSSException {
    return context.wrap(message, 0, message.length, new MessageProp(0, confidential));
  }

  /** Checks and unprotects a message the client wrapped. */
  public byte[] unwrap(byte[] token) throws GSSException {
    return context.unwrap(token, 0, token.length, new MessageProp(0, false));
  }

  @Override
  public void close() {
    try {
      context.dispose();
    } catch (GSSException ignored) {
      // nothing is held that dispose could fail to free
    }
  }
}
