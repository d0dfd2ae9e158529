package dev.zcproxy.inbound.netty.command;

import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import java.net.InetSocketAddress;

/**
 * How BIND and UDP ASSOCIATE report back to the client, in whichever SOCKS version it spoke. BIND
 * calls {@link #success} twice (listening address, then the peer that connected); UDP ASSOCIATE
 * once (the relay's address). After {@link #failure} the control connection is closed.
 */
public interface CommandReplies {

  void success(InetSocketAddress address);

  void failure(ProxyRefusal.Kind kind);

  /**
   * The same, with the refusal's reason for a protocol that can carry text (HTTP names the policy
   * rule in its 403); SOCKS has only its reply code.
   */
  default void failure(ProxyRefusal refusal) {
    failure(refusal.kind());
  }
}
