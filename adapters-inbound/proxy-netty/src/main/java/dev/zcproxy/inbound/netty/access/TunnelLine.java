package dev.zcproxy.inbound.netty.access;

import dev.zcproxy.inbound.netty.relay.TunnelEnd;
import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import dev.zcproxy.inbound.netty.tunnel.PolicyCut;

/**
 * A tunnel's access log line waiting for its end: the relay tells it how the tunnel ended ({@link
 * TunnelEnd}), the live tunnel registry tells it first if a new policy cut it ({@link PolicyCut}).
 * The one object an established tunnel carries for the access log.
 */
public interface TunnelLine extends TunnelEnd, PolicyCut {

  /** When the access log is off: nothing is kept. */
  TunnelLine NONE =
      new TunnelLine() {
        @Override
        public void ended(String relay, long bytesUp, long bytesDown, TunnelEnding ending) {}

        @Override
        public void cutByPolicy() {}
      };
}
