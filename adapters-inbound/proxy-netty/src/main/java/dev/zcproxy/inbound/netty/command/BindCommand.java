package dev.zcproxy.inbound.netty.command;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.access.TunnelLine;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SOCKS BIND, for SOCKS4 and SOCKS5 alike (RFC 1928 §4; SOCKS4's BIND): the client asks the proxy
 * to accept one inbound connection for it, typically the data connection of active-mode FTP.
 *
 * <p>The proxy listens on the address the client reached it on, with a port of the kernel's choice,
 * and says where in a first reply. It takes exactly one connection, from the peer the client named,
 * says who connected in a second reply, and hands the control connection and the new one to the
 * relay: from then on the control connection is the tunnel.
 *
 * <p>The peer is matched by IP address only, the resolved and authorized one. The port the client
 * named is not checked: it is usually the client's own idea of the peer's port, while the peer
 * connects from whatever port its kernel (or FTP's port 20) gives it, so Dante and others ignore it
 * too. A connection from any other address is closed at once and the wait goes on.
 *
 * <p>States, all on the control connection's event loop: {@code LISTENING} (opening the socket),
 * {@code WAITING} (first reply sent), then {@code CONNECTED} (the relay owns both connections) or
 * {@code CLOSED} (timeout, failure, or the client left; the listener is closed in every case).
 */
public final class BindCommand {
  /** The handler name on the listening socket that waits for the peer. */
  public static final String ACCEPTOR = "bind-acceptor";

  private static final Logger log = LoggerFactory.getLogger(BindCommand.class);

  /** One connection is wanted; a short queue is enough for the peer and a stray or two. */
  private static final int LISTEN_BACKLOG = 4;

  /** Bytes the client may send before the peer arrives; past this the proxy stops reading. */
  static final int MAX_EARLY_BYTES = 64 * 1024;

  private enum State {
    LISTENING,
    WAITING,
    CONNECTED,
    CLOSED
  }

  private final Channel client;
  private final ProxyContext context;
  private final InetAddress expectedPeer;
  private final CommandReplies replies;
  private final String protocol;
  private final ControlWatcher watcher;
  private final AuthorizedDestination peer;
  private final long startNanos;
  private final TunnelLine line;
  private State state = State.LISTENING;
  private Channel listener;
  private ScheduledFuture<?> acceptTimeout;

  private BindCommand(
      Channel client,
      ProxyContext context,
      AuthorizedDestination peer,
      CommandReplies replies,
      String protocol,
      ByteBuf earlyData,
      long startNanos) {
    this.client = client;
    this.context = context;
    this.expectedPeer = peer.address().getAddress();
    this.replies = replies;
    this.protocol = protocol;
    this.watcher = new ControlWatcher(earlyData);
    this.peer = peer;
    this.startNanos = startNanos;
    this.line = context.access().tunnel(client, protocol, AccessCommand.BIND, peer, startNanos);
    context.tunnels().register(client, peer.principal(), peer.request(Protocol.TCP), line);
  }

  /**
   * Runs a BIND whose peer the gate has authorized, answering through {@code replies}. Must run on
   * the control channel's event loop, with the handshake handlers gone and {@code AUTO_READ} off.
   *
   * @param protocol the metrics label for the tunnel, {@code socks4} or {@code socks5}
   * @param earlyData bytes the client sent after its request, for the peer; may be null. This
   *     command owns them from now on.
   * @param startNanos from {@link AccessLines#start()} when the client asked
   */
  public static void start(
      ChannelHandlerContext ctx,
      ProxyContext context,
      AuthorizedDestination peer,
      CommandReplies replies,
      String protocol,
      ByteBuf earlyData,
      long startNanos) {
    new BindCommand(ctx.channel(), context, peer, replies, protocol, earlyData, startNanos)
        .listen();
  }

  private void listen() {
    client.closeFuture().addListener(closed -> clientLeft());
    if (state == State.CLOSED) {
      return;
    }
    EventLoop loop = client.eventLoop();
    acceptTimeout =
        loop.schedule(
            this::timedOut,
            context.settings().timeouts().bindAccept().toNanos(),
            TimeUnit.NANOSECONDS);
    InetSocketAddress local = (InetSocketAddress) client.localAddress();
    ChannelFuture bound =
        new ServerBootstrap()
            .group(loop, loop)
            .channel(context.transport().serverChannel())
            .option(ChannelOption.SO_BACKLOG, LISTEN_BACKLOG)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new PeerGate())
            .bind(new InetSocketAddress(local.getAddress(), 0));
    // A channel that could not even be created completes on another executor: come back here.
    bound.addListener(
        done -> {
          if (loop.inEventLoop()) {
            listening(bound);
          } else {
            loop.execute(() -> listening(bound));
          }
        });
  }

  private void listening(ChannelFuture bound) {
    if (state != State.LISTENING) {
      // Timed out or abandoned while the socket was being opened.
      if (bound.isSuccess()) {
        bound.channel().close();
      }
      return;
    }
    if (!bound.isSuccess()) {
      log.debug("BIND for {}: cannot listen", client.remoteAddress(), bound.cause());
      fail(ProxyRefusal.Kind.GENERAL_FAILURE);
      return;
    }
    state = State.WAITING;
    listener = bound.channel();
    listener.closeFuture().addListener(closed -> listenerLost());
    client.pipeline().addLast(BindCommand.ACCEPTOR, watcher);
    InetSocketAddress listening = (InetSocketAddress) listener.localAddress();
    log.debug(
        "BIND for {}: listening on {} for {}", client.remoteAddress(), listening, expectedPeer);
    replies.success(listening);
  }

  private void peerArrived(Channel peer) {
    InetSocketAddress from = (InetSocketAddress) peer.remoteAddress();
    if (state != State.WAITING) {
      peer.close();
      return;
    }
    if (from == null || !expectedPeer.equals(from.getAddress())) {
      log.debug("BIND on {}: refused a connection from {}", listener.localAddress(), from);
      peer.close();
      return;
    }
    state = State.CONNECTED;
    acceptTimeout.cancel(false);
    listener.close();
    ByteBuf early = watcher.detach();
    replies.success(from);
    if (early != null) {
      peer.writeAndFlush(early);
    }
    log.debug("BIND for {}: {} connected", client.remoteAddress(), from);
    context.relay().start(client, peer, protocol, line);
  }

  private void timedOut() {
    if (state == State.LISTENING || state == State.WAITING) {
      log.debug("BIND for {}: no peer in time", client.remoteAddress());
      fail(ProxyRefusal.Kind.TIMEOUT);
    }
  }

  /** The listener closed under us (an I/O error): the client learns at once. */
  private void listenerLost() {
    if (state == State.WAITING) {
      fail(ProxyRefusal.Kind.GENERAL_FAILURE);
    }
  }

  private void clientLeft() {
    if (state == State.LISTENING || state == State.WAITING) {
      state = State.CLOSED;
      release();
      context.access().abandoned(client, protocol, AccessCommand.BIND, peer, startNanos);
    }
  }

  /** The client gets a failure reply, and {@code replies} closes the control connection. */
  private void fail(ProxyRefusal.Kind kind) {
    state = State.CLOSED;
    release();
    context
        .access()
        .refused(
            client,
            protocol,
            AccessCommand.BIND,
            peer.principal(),
            peer.requested(),
            new ProxyRefusal(kind, "BIND failed", peer.ruleNumber()),
            startNanos);
    replies.failure(kind);
  }

  private void release() {
    if (acceptTimeout != null) {
      acceptTimeout.cancel(false);
    }
    // A listener still being opened is closed by listening(), once its bind completes.
    if (listener != null) {
      listener.close();
    }
    watcher.discard();
  }

  /** Sits in each accepted connection's pipeline until the connection is judged, then leaves. */
  @Sharable
  private final class PeerGate extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.pipeline().remove(this);
      peerArrived(ctx.channel());
    }
  }

  /**
   * Reads the control connection while the peer is awaited, so the client's EOF is noticed and the
   * listener closed at once rather than at the timeout. Bytes the client sends early (including
   * those that came with its request) are kept, and go to the peer first; past {@link
   * #MAX_EARLY_BYTES} reading stops. With {@code ALLOW_HALF_CLOSURE} on, a half-close counts as
   * leaving: there would be no way to pass that EOF on to a peer that is not there yet.
   */
  private final class ControlWatcher extends ChannelInboundHandlerAdapter {
    private ChannelHandlerContext ctx;
    private ByteBuf early;

    ControlWatcher(ByteBuf earlyData) {
      if (earlyData != null && earlyData.isReadable()) {
        early = earlyData;
      } else if (earlyData != null) {
        earlyData.release();
      }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      readIfRoom();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf data)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (early == null) {
        early = data;
        return;
      }
      if (!(early instanceof CompositeByteBuf)) {
        early = ctx.alloc().compositeBuffer().addComponent(true, early);
      }
      ((CompositeByteBuf) early).addComponent(true, data);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      readIfRoom();
    }

    private void readIfRoom() {
      if (early == null || early.readableBytes() < MAX_EARLY_BYTES) {
        ctx.read();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(event);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("BIND control connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }

    /**
     * Leaves the pipeline for the relay and returns the early bytes (null if none). The read this
     * watcher asked for may still be pending: it is withdrawn, so that no byte of the tunnel
     * reaches the pipeline before the relay has set it up. Netty has no public way to cancel a read
     * other than switching {@code AUTO_READ} on and off again.
     */
    ByteBuf detach() {
      ByteBuf held = early;
      early = null;
      leavePipeline();
      client.config().setAutoRead(true);
      client.config().setAutoRead(false);
      return held;
    }

    /** Leaves the pipeline, if it ever joined, and drops the early bytes. */
    void discard() {
      leavePipeline();
      if (early != null) {
        early.release();
        early = null;
      }
    }

    private void leavePipeline() {
      if (ctx != null && !ctx.isRemoved()) {
        ctx.pipeline().remove(this);
      }
    }
  }
}
