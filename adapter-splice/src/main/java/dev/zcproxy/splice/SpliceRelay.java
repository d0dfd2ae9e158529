package dev.zcproxy.splice;

import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.relay.spi.TunnelHandover;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.util.Objects;
import java.util.Optional;

/**
 * The kernel zero-copy relay: once a plain TCP tunnel is established, its bytes move socket to pipe
 * to socket with {@code splice(2)}, and never enter the JVM. The Netty front end hands it both
 * sockets through its {@link SocketRelay} SPI; the app wires it in when {@code relay} is {@code
 * auto} or {@code splice}.
 *
 * <p>Each tunnel takes two pipes of {@code pipeSize} bytes (the kernel rounds up to a power of two
 * pages) and four descriptors for them, and costs nothing while idle. The pipe size trades kernel
 * memory and a user's pipe quota ({@code /proc/sys/fs/pipe-user-pages-soft}) against system calls
 * per byte; see the module README for the measurements behind the default.
 */
public final class SpliceRelay implements SocketRelay {

  /** Four times Linux's default pipe: see the README for why. */
  public static final int DEFAULT_PIPE_SIZE = 256 * 1024;

  private final SpliceMetrics metrics;
  private final int pipeSize;

  public SpliceRelay(MeterRegistry registry) {
    this(registry, DEFAULT_PIPE_SIZE);
  }

  /**
   * @param pipeSize the buffer asked for per direction, in bytes (at least one page)
   */
  public SpliceRelay(MeterRegistry registry, int pipeSize) {
    Objects.requireNonNull(registry, "registry");
    if (pipeSize < 4096) {
      throw new IllegalArgumentException("pipeSize must be at least 4096 bytes");
    }
    this.metrics = new SpliceMetrics(registry);
    this.pipeSize = pipeSize;
  }

  @Override
  public String name() {
    return "splice";
  }

  @Override
  public Optional<String> unavailability() {
    return SpliceSupport.unavailability();
  }

  /** Plain TCP on epoll, both ends on one event loop (the front end's connector sees to that). */
  @Override
  public boolean canRelay(Channel client, Channel upstream) {
    return client instanceof EpollSocketChannel
        && upstream instanceof EpollSocketChannel
        && client.eventLoop() == upstream.eventLoop()
        && unavailability().isEmpty();
  }

  @Override
  public void relay(TunnelHandover handover) {
    if (!handover.client().eventLoop().inEventLoop()) {
      handover.client().eventLoop().execute(() -> relay(handover));
      return;
    }
    SpliceTunnel.open(handover, pipeSize, metrics);
  }

  /** Kernel pipes held by tunnels in this process right now; two per open tunnel. */
  public static long pipesInUse() {
    return Pipe.openPipes();
  }
}
