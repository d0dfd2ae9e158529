package dev.zcproxy.splice;

import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.relay.spi.TunnelHandover;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The kernel zero-copy relay: once a plain TCP tunnel is established, its bytes move socket to pipe
 * to socket with {@code splice(2)}, and never enter the JVM. The Netty front end hands it both
 * sockets through its {@link SocketRelay} SPI; the app wires it in when {@code relay} is {@code
 * auto} or {@code splice}.
 *
 * <p>Pipes are held only while bytes are in flight: each event loop has a {@link PipePool}, and all
 * pools share one budget of {@code maxPipes} pipes (two descriptors each). An idle tunnel holds its
 * two sockets and nothing else. A direction that finds no pipe (budget spent, or the process out of
 * descriptors) copies through a small native buffer until one is free, so running out never costs a
 * tunnel. The pipe size trades kernel memory and a user's pipe quota ({@code
 * /proc/sys/fs/pipe-user-pages-soft}) against system calls per byte; see the module README for the
 * measurements behind the default.
 */
public final class SpliceRelay implements SocketRelay {

  /** Four times Linux's default pipe: see the README for why. */
  public static final int DEFAULT_PIPE_SIZE = 256 * 1024;

  private final SpliceMetrics metrics;
  private final PipePool.Budget budget;
  private final ConcurrentMap<EventLoop, LoopPools> pools = new ConcurrentHashMap<>();

  /** Default pipe size, and at most a quarter of this process's descriptor limit in pipes. */
  public SpliceRelay(MeterRegistry registry) {
    this(registry, DEFAULT_PIPE_SIZE, defaultMaxPipes(openFileLimit()));
  }

  /**
   * @param pipeSize the buffer asked for per pipe, in bytes (at least one page)
   * @param maxPipes the most pipes open at once, ready ones included; 0 makes every tunnel copy
   */
  public SpliceRelay(MeterRegistry registry, int pipeSize, int maxPipes) {
    Objects.requireNonNull(registry, "registry");
    if (pipeSize < 4096) {
      throw new IllegalArgumentException("pipeSize must be at least 4096 bytes");
    }
    if (maxPipes < 0) {
      throw new IllegalArgumentException("maxPipes must not be negative");
    }
    this.metrics = new SpliceMetrics(registry);
    this.budget = new PipePool.Budget(pipeSize, maxPipes, metrics);
    metrics.budget(budget);
  }

  /** HAProxy's rule: a quarter of the descriptor limit, each pipe taking two. */
  public static int defaultMaxPipes(long openFileLimit) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, openFileLimit / 4));
  }

  /** This process's soft descriptor limit as the JVM sees it; 1,024 where it cannot tell. */
  public static long openFileLimit() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return 1024;
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
    EventLoop loop = handover.client().eventLoop();
    if (!loop.inEventLoop()) {
      loop.execute(() -> relay(handover));
      return;
    }
    LoopPools loopPools = pools.computeIfAbsent(loop, this::poolsFor);
    SpliceTunnel.open(handover, loopPools.pipes(), loopPools.buffers(), metrics);
  }

  /** A loop's pools; the ready pipes are closed when the loop ends. */
  private LoopPools poolsFor(EventLoop loop) {
    LoopPools created = new LoopPools(new PipePool(budget), new CopyBuffer.Pool());
    loop.terminationFuture()
        .addListener(
            ended -> {
              pools.remove(loop);
              created.pipes().close();
            });
    return created;
  }

  /** The most pipes this relay opens at once. */
  public int maxPipes() {
    return budget.maxPipes();
  }

  /** Kernel pipes open in this process right now: held by tunnels, or ready in a pool. */
  public static long pipesOpen() {
    return Pipe.openPipes();
  }

  /** Kernel pipes held by tunnels in this process right now: those with bytes in flight. */
  public static long pipesInUse() {
    return PipePool.inUse();
  }

  private record LoopPools(PipePool pipes, CopyBuffer.Pool buffers) {}
}
