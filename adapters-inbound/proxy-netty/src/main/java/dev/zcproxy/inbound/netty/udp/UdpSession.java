package dev.zcproxy.inbound.netty.udp;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.server.ClientAddress;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.tunnel.PolicyCut;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's UDP session through the proxy, relayed through kernel UDP sockets: the core under
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §7) and CONNECT-UDP (RFC 9298). The protocol frames the client
 * side ({@link UdpClientSide}); everything else is here.
 *
 * <p>Two datagram sockets, both on the control connection's event loop (one for a client side that
 * carries its datagrams itself, as CONNECT-UDP does inside QUIC):
 *
 * <ul>
 *   <li>the <em>relay</em> socket, bound to the address the client reached the proxy on, is the one
 *       the reply announces; it only takes datagrams from the client (the client side's handler);
 *   <li>the <em>upstream</em> socket, bound to the wildcard address, sends to destinations and
 *       takes their answers ({@link UdpUpstreamHandler}). Binding it to the wildcard lets the
 *       kernel pick the source address by route, which matters when clients reach the proxy on one
 *       interface and destinations lie behind another. The wildcard socket is dual-stack where the
 *       host has IPv6, so one socket serves IPv4 and IPv6 destinations alike. Keeping it apart from
 *       the relay socket also means a destination can never pose as the client, nor the client as a
 *       destination.
 * </ul>
 *
 * <p>Where it may send and whose answers it takes is the bounded flow table of {@link
 * UdpDestinations}. The session lives as long as its control connection and no longer than {@code
 * idleTimeout} without a datagram relayed either way (checked once per idle period, not per
 * datagram). Every way it ends closes both sockets and the control connection.
 *
 * <p>Datagrams that cannot be relayed are dropped, as UDP allows, and counted per {@link
 * DropReason}; the counts are logged when the session ends.
 */
public final class UdpSession implements PolicyCut {
  /** The handler name of its sockets' handlers. */
  public static final String PIPELINE_NAME = "udp-relay";

  private static final Logger log = LoggerFactory.getLogger(UdpSession.class);

  /** The metrics label of UDP associations, for tunnels and bytes alike. */
  public static final String METRICS_LABEL = "socks5-udp";

  /**
   * The largest UDP datagram there is (the IP length field is 16 bits). Every read gets a buffer
   * this size because a datagram larger than the buffer would be truncated without notice.
   */
  public static final int MAX_DATAGRAM_BYTES = 65_535;

  /**
   * Writes are flushed once per read batch, so a socket must take a batch of large datagrams before
   * it reports itself unwritable; past that the kernel is not keeping up and datagrams are dropped
   * rather than queued.
   */
  private static final WriteBufferWaterMark SEND_QUEUE =
      new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  /** Why a datagram was not relayed. */
  public enum DropReason {
    /** Not from the client's address (or not from its pinned port). */
    FOREIGN_SOURCE,
    /** No valid SOCKS5 UDP header. */
    MALFORMED,
    /** FRAG was not zero: fragmentation is optional in RFC 1928 and not supported here. */
    FRAGMENTED,
    /** DNS or the policy refused the destination. */
    REFUSED,
    /** Too many destinations or bytes were already waiting for DNS and the policy. */
    BACKLOG,
    /** An answer from an address this association never sent to. */
    UNSOLICITED,
    /** The socket's send buffer was full. */
    CONGESTED,
    /** The kernel refused the send (too large for the path, no route...). */
    SEND_FAILED
  }

  private enum State {
    BINDING,
    OPEN,
    CLOSED
  }

  private final Channel control;
  private final ProxyContext context;
  private final CommandReplies replies;
  private final UdpDestinations destinations;
  private final UdpClientSide clientSide;
  private final Map<DropReason, LongAdder> drops = new EnumMap<>(DropReason.class);
  private final ChannelFutureListener countSendFailure =
      future -> {
        if (!future.isSuccess()) {
          drop(DropReason.SEND_FAILED);
        }
      };

  private final Principal principal;
  private final String protocol;
  private final AccessCommand command;
  private final Object requested;
  private final long startNanos;
  private AuthorizedDestination lastAllowed;
  private long bytesUp;
  private long bytesDown;
  private boolean idledOut;
  private volatile boolean cutByPolicy;

  private State state = State.BINDING;
  private int bindsPending = 2;
  private Channel relay;
  private Channel upstream;
  private long lastActivityNanos;
  private ScheduledFuture<?> idleCheck;

  private UdpSession(
      Channel control,
      ProxyContext context,
      Principal principal,
      UdpClientSide.Factory clientSide,
      CommandReplies replies,
      String protocol,
      AccessCommand command,
      Object requested,
      long startNanos) {
    this.control = control;
    this.context = context;
    this.replies = replies;
    this.principal = principal;
    this.protocol = protocol;
    this.command = command;
    this.requested = requested;
    this.startNanos = startNanos;
    this.destinations = new UdpDestinations(this, context.gate(), principal, control.eventLoop());
    this.clientSide = clientSide.create(this);
    for (DropReason reason : DropReason.values()) {
      drops.put(reason, new LongAdder());
    }
  }

  /**
   * Opens a session for a client whose request (SOCKS5 UDP ASSOCIATE, CONNECT-UDP) was accepted,
   * and answers it through {@code replies}: success with the relay's address (null for a client
   * side without a socket), or failure. Must run on the control channel's event loop, with the
   * handshake handlers gone and {@code AUTO_READ} off.
   *
   * @param protocol the access log's protocol: {@code socks5}, {@code h3}
   * @param command the access log's command: {@code udp} or {@code connect-udp}
   * @param requested what the client asked for, for the access log; may be null
   * @param startNanos from {@link AccessLines#start()} when the client asked
   */
  public static void start(
      Channel control,
      ProxyContext context,
      Principal principal,
      UdpClientSide.Factory clientSide,
      CommandReplies replies,
      String protocol,
      AccessCommand command,
      Object requested,
      long startNanos) {
    new UdpSession(
            control,
            context,
            principal,
            clientSide,
            replies,
            protocol,
            command,
            requested,
            startNanos)
        .open();
  }

  private void open() {
    control.closeFuture().addListener(closed -> close());
    if (state == State.CLOSED) {
      return;
    }
    ChannelHandler clientHandler = clientSide.handler();
    if (clientHandler != null) {
      InetSocketAddress local = (InetSocketAddress) control.localAddress();
      bind(clientHandler, new InetSocketAddress(local.getAddress(), 0), bound -> relay = bound);
    } else {
      bindsPending--; // the client side carries its datagrams itself
    }
    bind(
        new UdpUpstreamHandler(this, destinations),
        new InetSocketAddress(0),
        bound -> upstream = bound);
  }

  private void bind(ChannelHandler handler, InetSocketAddress address, Consumer<Channel> keep) {
    EventLoop loop = control.eventLoop();
    ChannelFuture bound =
        new Bootstrap()
            .group(loop)
            .channel(context.transport().datagramChannel())
            .option(
                ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES))
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, SEND_QUEUE)
            .handler(handler)
            .bind(address);
    // A channel that could not even be created completes on another executor: come back here.
    bound.addListener(
        done -> {
          if (loop.inEventLoop()) {
            onBound(bound, keep);
          } else {
            loop.execute(() -> onBound(bound, keep));
          }
        });
  }

  private void onBound(ChannelFuture bound, Consumer<Channel> keep) {
    if (state != State.BINDING) {
      // The association ended while this socket was being opened.
      if (bound.isSuccess()) {
        bound.channel().close();
      }
      return;
    }
    if (!bound.isSuccess()) {
      log.debug("UDP session of {}: cannot open a socket", control.remoteAddress(), bound.cause());
      fail();
      return;
    }
    keep.accept(bound.channel());
    if (--bindsPending == 0) {
      becomeOpen();
    }
  }

  private void becomeOpen() {
    state = State.OPEN;
    lastActivityNanos = System.nanoTime();
    if (relay != null) {
      relay.closeFuture().addListener(closed -> close());
    }
    upstream.closeFuture().addListener(closed -> close());
    context.metrics().tunnelOpened(clientSide.metricsLabel(), ProxyMetrics.UDP);
    clientSide.opened(control);
    scheduleIdleCheck(context.settings().timeouts().idle().toNanos());
    InetSocketAddress relayAddress =
        relay == null ? null : (InetSocketAddress) relay.localAddress();
    log.debug("UDP session of {}: relaying on {}", control.remoteAddress(), relayAddress);
    replies.success(relayAddress);
  }

  /** Could not open: the client gets a failure reply, and {@code replies} closes the control. */
  private void fail() {
    state = State.CLOSED;
    closeSockets();
    context
        .access()
        .refused(
            control,
            protocol,
            command,
            principal,
            requested,
            new ProxyRefusal(ProxyRefusal.Kind.GENERAL_FAILURE, "cannot open a UDP socket"),
            startNanos);
    replies.failure(ProxyRefusal.Kind.GENERAL_FAILURE);
  }

  /** Ends the session, whatever state it is in. Idempotent. */
  public void close() {
    if (state == State.CLOSED) {
      return;
    }
    boolean wasOpen = state == State.OPEN;
    state = State.CLOSED;
    closeSockets();
    control.close();
    if (wasOpen) {
      context.metrics().tunnelClosed(clientSide.metricsLabel(), ProxyMetrics.UDP);
      log.debug("UDP session of {} ended; dropped datagrams: {}", control.remoteAddress(), drops);
      logAccess();
    }
  }

  @Override
  public void cutByPolicy() {
    cutByPolicy = true;
  }

  /** The session's one access log line: the last destination allowed, and bytes each way. */
  private void logAccess() {
    AccessLines access = context.access();
    if (!access.enabled()) {
      return;
    }
    AccessResult result =
        cutByPolicy
            ? AccessResult.CLOSED_BY_POLICY
            : idledOut ? AccessResult.IDLE_TIMEOUT : AccessResult.OK;
    access.log(
        new AccessRecord(
            Instant.now(),
            AccessLines.since(startNanos),
            ClientAddress.of(control),
            AccessLines.user(principal),
            protocol,
            command,
            null,
            requested == null ? null : requested.toString(),
            lastAllowed == null ? null : lastAllowed.address(),
            lastAllowed == null ? 0 : lastAllowed.ruleNumber(),
            result,
            0,
            ProxyMetrics.UDP,
            bytesUp,
            bytesDown));
  }

  private void closeSockets() {
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
    destinations.close();
    // Sockets still being opened are closed by onBound, once their bind completes.
    if (relay != null) {
      relay.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = control.eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Runs once per idle period at most, instead of resetting a timer for every datagram. */
  private void checkIdle() {
    if (state != State.OPEN) {
      return;
    }
    long idleNanos = context.settings().timeouts().idle().toNanos();
    long quietFor = System.nanoTime() - lastActivityNanos;
    if (quietFor >= idleNanos) {
      log.debug("UDP session of {}: idle, closing", control.remoteAddress());
      idledOut = true;
      close();
    } else {
      scheduleIdleCheck(idleNanos - quietFor);
    }
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** Registers an allowed destination with the live tunnels, for later policy changes. */
  void allowed(AuthorizedDestination destination) {
    lastAllowed = destination;
    context
        .tunnels()
        .register(control, destination.principal(), destination.request(Protocol.UDP), this);
  }

  /**
   * Sends one payload to an authorized destination. The caller keeps its reference; call {@link
   * #flushUpstream} after a batch.
   */
  void sendUpstream(InetSocketAddress destination, ByteBuf payload) {
    if (!upstream.isWritable()) {
      drop(DropReason.CONGESTED);
      return;
    }
    int bytes = payload.readableBytes();
    upstream
        .write(new DatagramPacket(payload.retainedDuplicate(), destination))
        .addListener(countSendFailure);
    lastActivityNanos = System.nanoTime();
    bytesUp += bytes;
    context.metrics().bytesRelayed(clientSide.metricsLabel(), ProxyMetrics.UDP, "upstream", bytes);
  }

  public void flushUpstream() {
    upstream.flush();
  }

  /**
   * Sends one payload that {@code source} sent back to the client, framed by the client side. The
   * caller keeps its reference; call {@link #flushDownstream} after a batch.
   */
  void sendDownstream(InetSocketAddress source, ByteBuf payload) {
    if (relay == null) {
      int bytes = payload.readableBytes();
      DropReason dropped = clientSide.deliver(source, payload);
      if (dropped != null) {
        drop(dropped);
        return;
      }
      lastActivityNanos = System.nanoTime();
      bytesDown += bytes;
      context
          .metrics()
          .bytesRelayed(clientSide.metricsLabel(), ProxyMetrics.UDP, "downstream", bytes);
      return;
    }
    InetSocketAddress client = clientSide.client();
    if (client == null) {
      // Only possible if a destination answers before the client sent anything: it cannot have.
      drop(DropReason.UNSOLICITED);
      return;
    }
    if (!relay.isWritable()) {
      drop(DropReason.CONGESTED);
      return;
    }
    int bytes = payload.readableBytes();
    ByteBuf datagram = clientSide.frame(relay.alloc(), source, payload);
    relay.write(new DatagramPacket(datagram, client)).addListener(countSendFailure);
    lastActivityNanos = System.nanoTime();
    bytesDown += bytes;
    context
        .metrics()
        .bytesRelayed(clientSide.metricsLabel(), ProxyMetrics.UDP, "downstream", bytes);
  }

  void flushDownstream() {
    if (relay == null) {
      clientSide.flush();
    } else {
      relay.flush();
    }
  }

  /**
   * Relays one datagram the client sent to {@code destination}, once DNS and the policy allow it.
   * The caller keeps its reference; call {@link #flushUpstream} after a batch.
   */
  public void route(Destination destination, ByteBuf payload) {
    destinations.route(destination, payload);
  }

  ByteBuf allocate(int capacity) {
    return control.alloc().buffer(capacity);
  }

  public void drop(DropReason reason) {
    drops.get(reason).increment();
  }

  /** How many datagrams were dropped for {@code reason}; safe to read from any thread. */
  public long dropped(DropReason reason) {
    return drops.get(reason).sum();
  }

  Channel control() {
    return control;
  }
}
