package dev.zcproxy.inbound.netty.handshake;

import dev.zcproxy.domain.auth.Principal;
import io.netty.channel.Channel;

/**
 * Counts live connections per authenticated user (per source is counted at accept). A connection
 * admitted here is released automatically when its channel closes.
 */
public interface ConnectionLimits {

  /** Returns false, and counts nothing, when the principal is at its limit. */
  boolean admitUser(Channel channel, Principal principal);
}
