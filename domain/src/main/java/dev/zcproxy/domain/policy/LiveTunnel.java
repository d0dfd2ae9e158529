package dev.zcproxy.domain.policy;

import dev.zcproxy.domain.auth.Principal;

/**
 * An established tunnel as the policy sees it: the principal it acts for and the request it was
 * authorized for. The front end's own tunnel type implements it.
 */
public interface LiveTunnel {

  Principal principal();

  ConnectRequest request();
}
