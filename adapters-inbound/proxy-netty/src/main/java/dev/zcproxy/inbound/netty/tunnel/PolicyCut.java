package dev.zcproxy.inbound.netty.tunnel;

/** Told, before its channel is closed, that a registered tunnel is cut by a new policy. */
@FunctionalInterface
public interface PolicyCut {
  PolicyCut NONE = () -> {};

  void cutByPolicy();
}
