package dev.zcproxy.splice;

import dev.zcproxy.inbound.netty.relay.spi.TunnelEnding;
import dev.zcproxy.inbound.netty.relay.spi.TunnelHandover;
import dev.zcproxy.inbound.netty.relay.spi.TunnelObserver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One spliced tunnel: the client's and the upstream's sockets, a {@link SpliceDirection} each way
 * (a pipe while bytes are in flight, none while idle), and both sockets registered as raw file
 * descriptors with the Netty event loop they already lived on.
 *
 * <p>The front end hands the two channels over deregistered from Netty's own epoll interest (a
 * channel keeps {@code EPOLLRDHUP} registered and would read the socket on a FIN, stealing bytes).
 * The tunnel registers each socket's descriptor with the same {@link IoEventLoop} as an {@link
 * EpollIoHandle}, edge-triggered, for input, output and hang-up, once: the interest never changes,
 * so a tunnel costs no {@code epoll_ctl} per block. Edge triggering is what keeps a half-closed
 * socket quiet: a level-triggered {@code EPOLLIN} or {@code EPOLLHUP} would report the FIN on every
 * turn of the loop until the tunnel ended.
 *
 * <ul>
 *   <li>Half-close: a FIN from one side is passed on once its pipe is empty; the tunnel closes when
 *       both directions are finished.
 *   <li>Errors: a failed call or a pending socket error resets the other side (SO_LINGER 0) and
 *       closes both.
 *   <li>Idle: no byte either way for the idle timeout closes both, with a FIN.
 *   <li>Closing: the registrations are cancelled, the pipes closed, and then, once the event loop
 *       is through its current batch of events, the Netty channels closed, which is what gives back
 *       the front end's connection counts. A channel closed by the front end (shutdown) tears the
 *       tunnel down the same way.
 * </ul>
 *
 * Everything runs on the channels' event loop, so nothing here needs a lock.
 */
final class SpliceTunnel {
  private static final Logger log = LoggerFactory.getLogger(SpliceTunnel.class);

  /**
   * Rounds (a splice in and a splice out) per readiness event before the event loop gets back to
   * its other channels, like Netty's 16 reads per turn. The rest runs as a task right after.
   */
  static final int ROUNDS_PER_TURN = 16;

  /** Not among {@link EpollIoOps}' constants; the generic Linux value. */
  private static final int EPOLLHUP = 0x010;

  private static final int EPOLLIN = EpollIoOps.EPOLLIN.value();
  private static final int EPOLLOUT = EpollIoOps.EPOLLOUT.value();
  private static final int EPOLLERR = EpollIoOps.EPOLLERR.value();
  private static final int EPOLLRDHUP = EpollIoOps.EPOLLRDHUP.value();
  private static final EpollIoOps INTEREST =
      EpollIoOps.EPOLLIN
          .with(EpollIoOps.EPOLLOUT)
          .with(EpollIoOps.EPOLLRDHUP)
          .with(EpollIoOps.EPOLLET);

  /** Every tunnel's readiness events, for a meter: a quiet tunnel must not collect any. */
  private static final LongAdder READINESS_EVENTS = new LongAdder();

  private final EventLoop loop;
  private final Side clientSide;
  private final Side upstreamSide;
  private final TunnelObserver observer;
  private final SpliceMetrics metrics;
  private final long idleTimeoutNanos;
  private Arena prefixMemory;
  private Flow toUpstream;
  private Flow toClient;
  private ScheduledFuture<?> idleTimer;
  private long lastActivityNanos = System.nanoTime();
  private long readinessEvents;
  private boolean closed;

  private SpliceTunnel(TunnelHandover handover, SpliceMetrics metrics) {
    this.loop = handover.client().eventLoop();
    this.clientSide = new Side("client", handover.client());
    this.upstreamSide = new Side("upstream", handover.upstream());
    clientSide.other = upstreamSide;
    upstreamSide.other = clientSide;
    this.observer = handover.observer();
    this.metrics = metrics;
    this.idleTimeoutNanos = handover.idleTimeout().toNanos();
  }

  /** Takes the tunnel over; must run on the channels' event loop. */
  static SpliceTunnel open(
      TunnelHandover handover, PipePool pipes, CopyBuffer.Pool buffers, SpliceMetrics metrics) {
    SpliceTunnel tunnel = new SpliceTunnel(handover, metrics);
    tunnel.start(handover, pipes, buffers);
    return tunnel;
  }

  private void start(TunnelHandover handover, PipePool pipes, CopyBuffer.Pool buffers) {
    MemorySegment toUpstreamPrefix;
    MemorySegment toClientPrefix;
    try {
      toUpstreamPrefix = takePrefix(handover.pendingToUpstream());
      toClientPrefix = takePrefix(handover.pendingToClient());
    } finally {
      release(handover.pendingToUpstream());
      release(handover.pendingToClient());
    }
    // Hooked first: a channel closed under us at any later point tears the tunnel down.
    clientSide
        .channel
        .closeFuture()
        .addListener(closed -> teardown("the client channel closed", TunnelEnding.CLOSED));
    upstreamSide
        .channel
        .closeFuture()
        .addListener(closed -> teardown("the upstream closed", TunnelEnding.CLOSED));
    if (closed) {
      return;
    }
    toUpstream = new Flow(TunnelObserver.Direction.UPSTREAM, clientSide, upstreamSide);
    toUpstream.direction =
        new SpliceDirection(
            clientSide.fd.intValue(),
            upstreamSide.fd.intValue(),
            pipes,
            buffers,
            toUpstreamPrefix,
            handover.adaptive(),
            handover.streaming().contains(TunnelObserver.Direction.UPSTREAM));
    toClient = new Flow(TunnelObserver.Direction.DOWNSTREAM, upstreamSide, clientSide);
    toClient.direction =
        new SpliceDirection(
            upstreamSide.fd.intValue(),
            clientSide.fd.intValue(),
            pipes,
            buffers,
            toClientPrefix,
            handover.adaptive(),
            handover.streaming().contains(TunnelObserver.Direction.DOWNSTREAM));
    idleTimer = loop.schedule(this::checkIdle, idleTimeoutNanos, TimeUnit.NANOSECONDS);
    clientSide.register();
    upstreamSide.register();
  }

  /** Copies bytes the front end had read into memory the tunnel owns; null when there are none. */
  private MemorySegment takePrefix(ByteBuf pending) {
    if (pending == null || !pending.isReadable()) {
      return null;
    }
    if (prefixMemory == null) {
      prefixMemory = Arena.ofConfined();
    }
    MemorySegment copy = prefixMemory.allocate(pending.readableBytes());
    pending.getBytes(pending.readerIndex(), copy.asByteBuffer());
    return copy;
  }

  private static void release(ByteBuf pending) {
    if (pending != null && pending.refCnt() > 0) {
      pending.release();
    }
  }

  /** Both sockets are registered: set the interest once, then move whatever is already there. */
  private void watchBothSockets() {
    if (closed || clientSide.registration == null || upstreamSide.registration == null) {
      return;
    }
    try {
      clientSide.registration.submit(INTEREST);
      upstreamSide.registration.submit(INTEREST);
    } catch (UncheckedIOException e) {
      log.warn("{}: cannot watch the tunnel's sockets, closing it", clientSide.channel, e);
      teardown("epoll_ctl failed", TunnelEnding.CLOSED);
      return;
    }
    pump(toUpstream);
    pump(toClient);
  }

  private void onReady(Side side, int ops) {
    if (closed) {
      return;
    }
    readinessEvents++;
    READINESS_EVENTS.increment();
    if ((ops & EPOLLERR) != 0) {
      // A reset socket still holds the bytes that came before the RST: pass them on first (the
      // failing splice then aborts the tunnel). Reading SO_ERROR first would clear the error and
      // lose them.
      pump(side.outgoing());
      if (closed) {
        return;
      }
      int error = LinuxSyscalls.socketError(side.fd.intValue());
      if (error != 0) {
        abort(side, Math.abs(error), "SO_ERROR");
        return;
      }
    }
    if ((ops & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
      pump(side.outgoing());
    }
    // Edge-triggered epoll reports EPOLLOUT with every event of a writable socket; it only
    // matters to a direction that has bytes waiting for this socket. Pumping the other direction
    // on each of them cost a splice that said EAGAIN, ~0.7 system calls per message both ways.
    if ((ops & (EPOLLHUP | EPOLLERR)) != 0
        || (ops & EPOLLOUT) != 0 && side.incoming().direction.waitingForSink()) {
      pump(side.incoming());
    }
  }

  private void pump(Flow flow) {
    if (closed) {
      return;
    }
    SpliceDirection.Outcome outcome = flow.direction.pump(ROUNDS_PER_TURN);
    long bytes = flow.direction.takeUnreported();
    if (bytes > 0) {
      lastActivityNanos = System.nanoTime();
      observer.bytesRelayed(flow.label, bytes);
    }
    switch (outcome) {
      case WAITING -> {}
      case MORE -> flow.continueSoon();
      case FINISHED -> {
        lastActivityNanos = System.nanoTime();
        if (toUpstream.direction.finished() && toClient.direction.finished()) {
          teardown("both directions finished", TunnelEnding.FINISHED);
        }
      }
      case FAILED -> {
        SpliceDirection failed = flow.direction;
        Side culprit =
            failed.failedSocket() == SpliceDirection.Socket.SOURCE ? flow.source : flow.sink;
        abort(culprit, failed.failedErrno(), failed.failedCall());
      }
    }
  }

  /** One side failed: reset the other rather than let it see an orderly end. */
  private void abort(Side failed, int errno, String call) {
    if (closed) {
      return;
    }
    metrics.systemCallFailed(errno);
    log.debug(
        "{}: {} on the {} side failed with {}; resetting the {} side",
        clientSide.channel,
        call,
        failed.name,
        Errno.name(errno),
        failed.other.name);
    Channel survivor = failed.other.channel;
    if (survivor.isOpen()) {
      try {
        survivor.config().setOption(ChannelOption.SO_LINGER, 0);
      } catch (ChannelException e) {
        log.debug("{}: cannot arm a reset: {}", survivor, e.toString());
      }
    }
    teardown(
        Errno.name(errno) + " from " + call + " on the " + failed.name + " side",
        TunnelEnding.RESET);
  }

  private void checkIdle() {
    if (closed) {
      return;
    }
    long idle = System.nanoTime() - lastActivityNanos;
    if (idle >= idleTimeoutNanos) {
      log.debug("{}: spliced tunnel idle for {} ms, closing", clientSide.channel, idle / 1_000_000);
      teardown("idle", TunnelEnding.IDLE_TIMEOUT);
    } else {
      idleTimer = loop.schedule(this::checkIdle, idleTimeoutNanos - idle, TimeUnit.NANOSECONDS);
    }
  }

  private void teardown(String reason, TunnelEnding ending) {
    if (closed) {
      return;
    }
    closed = true;
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    // Out of epoll before the descriptors close, so a reused number never reaches this tunnel.
    clientSide.unregister();
    upstreamSide.unregister();
    // Pipes and buffers go back to the pool; a pipe still holding bytes is closed there.
    if (toUpstream != null) {
      toUpstream.direction.release();
    }
    if (toClient != null) {
      toClient.direction.release();
    }
    if (prefixMemory != null) {
      prefixMemory.close();
    }
    if (log.isDebugEnabled() && toUpstream != null && toClient != null) {
      log.debug(
          "{}: spliced tunnel closed ({}): {} bytes up, {} down, {} system calls, {} events",
          clientSide.channel,
          reason,
          toUpstream.direction.delivered(),
          toClient.direction.delivered(),
          systemCalls(),
          readinessEvents);
    }
    observer.closed(ending);
    closeChannelsAfterThisTurn();
  }

  /**
   * Closes both sockets once the event loop has finished the batch of readiness events it is
   * working through. Netty finds a handler by descriptor number: were a socket closed now, a socket
   * opened later in the same batch (an upstream connect for another client) could get its number,
   * and this socket's events still waiting in the batch would reach that new channel (seen as a
   * read on a still-connecting socket failing with ENOTCONN). Out of epoll already, the sockets
   * stay quiet until then.
   */
  private void closeChannelsAfterThisTurn() {
    Runnable close =
        () -> {
          clientSide.channel.close();
          upstreamSide.channel.close();
        };
    try {
      loop.execute(close);
    } catch (RejectedExecutionException shuttingDown) {
      close.run();
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** Readiness events handled by all tunnels in this process so far. */
  static long readinessEventsSoFar() {
    return READINESS_EVENTS.sum();
  }

  long systemCalls() {
    long calls = 0;
    if (toUpstream != null) {
      calls += toUpstream.direction.systemCalls();
    }
    if (toClient != null) {
      calls += toClient.direction.systemCalls();
    }
    return calls;
  }

  /** One direction and what it needs around it: its sockets, its pending re-run. */
  private final class Flow {
    final TunnelObserver.Direction label;
    final Side source;
    final Side sink;
    SpliceDirection direction;
    boolean continuationPending;

    Flow(TunnelObserver.Direction label, Side source, Side sink) {
      this.label = label;
      this.source = source;
      this.sink = sink;
    }

    /**
     * The budget ran out before the sockets said EAGAIN. Edge-triggered epoll will not report what
     * is already there again, so the rest must run as a task.
     */
    void continueSoon() {
      if (!continuationPending) {
        continuationPending = true;
        loop.execute(
            () -> {
              continuationPending = false;
              pump(this);
            });
      }
    }
  }

  /** One of the tunnel's sockets as the event loop sees it: a raw descriptor with a handler. */
  private final class Side implements EpollIoHandle {
    final String name;
    final Channel channel;
    final FileDescriptor fd;
    Side other;
    IoRegistration registration;

    Side(String name, Channel channel) {
      this.name = name;
      this.channel = channel;
      this.fd = ((EpollSocketChannel) channel).fd();
    }

    Flow outgoing() {
      return this == clientSide ? toUpstream : toClient;
    }

    Flow incoming() {
      return this == clientSide ? toClient : toUpstream;
    }

    void register() {
      ((IoEventLoop) loop)
          .register(this)
          .addListener(
              (Future<IoRegistration> done) -> {
                if (!done.isSuccess()) {
                  log.warn("{}: cannot register the {} socket", channel, name, done.cause());
                  teardown("registration failed", TunnelEnding.CLOSED);
                } else if (closed) {
                  done.getNow().cancel();
                } else {
                  registration = done.getNow();
                  watchBothSockets(); // not registered(): that is IoHandle's own callback
                }
              });
    }

    void unregister() {
      if (registration != null) {
        registration.cancel();
      }
    }

    @Override
    public FileDescriptor fd() {
      return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
      onReady(this, ((EpollIoEvent) event).ops().value());
    }

    /** The event loop is shutting down with the tunnel still open. */
    @Override
    public void close() {
      teardown("the event loop is shutting down", TunnelEnding.CLOSED);
    }
  }
}
