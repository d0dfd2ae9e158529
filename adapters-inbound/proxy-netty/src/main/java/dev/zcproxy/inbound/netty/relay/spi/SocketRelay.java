package dev.zcproxy.inbound.netty.relay.spi;

import io.netty.channel.Channel;
import java.util.Optional;

/**
 * A relay that takes over an established tunnel's two sockets and moves their bytes itself, such as
 * the kernel zero-copy splice relay. The front end decides per tunnel, by the {@code relay} setting
 * and {@link #canRelay}, whether to use it or its own copy relay.
 *
 * <p>The front end only ever offers tunnels whose bytes on the wire are the tunnel's own bytes:
 * never one with TLS on either side (HTTPS-to-proxy). Those sockets carry ciphertext that only the
 * SslHandler in the pipeline can turn into the tunnel's plaintext, so they stay on the copy relay.
 */
public interface SocketRelay {

  /** A short, low-cardinality name for logs and the metrics' {@code relay} label. */
  String name();

  /**
   * Empty when this relay works in this process; otherwise why not, in words for an operator
   * ({@code relay: splice} then fails at startup with this text). Must be cheap: asked per tunnel.
   */
  Optional<String> unavailability();

  /**
   * Whether this relay can carry the tunnel between these two channels (their transport, their
   * event loop). Called on the channels' event loop, before anything is handed over.
   */
  boolean canRelay(Channel client, Channel upstream);

  /**
   * Takes the tunnel over. From this call on, the relay owns both channels: it moves their bytes,
   * applies the idle timeout, reports through the handover's observer, calls {@link
   * TunnelObserver#closed()} exactly once, and closes both channels when the tunnel ends. The front
   * end calls it on the channels' event loop, with both channels deregistered from it.
   */
  void relay(TunnelHandover handover);
}
