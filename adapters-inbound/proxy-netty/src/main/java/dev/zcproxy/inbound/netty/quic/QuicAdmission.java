package dev.zcproxy.inbound.netty.quic;

import dev.zcproxy.inbound.netty.handshake.ConnectionTracker;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.server.ClientAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once per QUIC connection, as soon as the codec creates it (after address validation, before
 * the handshake): the overall and per-source limits, the client's address for the layers above, the
 * handshake timeout, the gauge; then the application protocol's own initializer.
 */
@ChannelHandler.Sharable
final class QuicAdmission extends ChannelInitializer<QuicChannel> {
  private static final Logger log = LoggerFactory.getLogger(QuicAdmission.class);

  /** QUIC transport error CONNECTION_REFUSED (RFC 9000 §20.1). */
  static final int CONNECTION_REFUSED = 0x2;

  private final ConnectionTracker tracker;
  private final QuicMetrics metrics;
  private final Duration handshakeTimeout;
  private final ChannelGroup connections;
  private final ChannelHandler application;

  QuicAdmission(
      ConnectionTracker tracker,
      QuicMetrics metrics,
      Duration handshakeTimeout,
      ChannelGroup connections,
      ChannelHandler application) {
    this.tracker = tracker;
    this.metrics = metrics;
    this.handshakeTimeout = handshakeTimeout;
    this.connections = connections;
    this.application = application;
  }

  /** Closes a connection over the limits with CONNECTION_REFUSED as soon as it can be told. */
  private static final class RefuseWhenEstablished extends ChannelInboundHandlerAdapter {
    private final String reason;

    RefuseWhenEstablished(String reason) {
      this.reason = reason;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ((QuicChannel) ctx.channel())
          .close(
              false, CONNECTION_REFUSED, Unpooled.copiedBuffer(reason, StandardCharsets.US_ASCII));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg); // a stream or a datagram before the close: not served
    }
  }

  @Override
  protected void initChannel(QuicChannel connection) {
    InetSocketAddress client =
        connection.remoteSocketAddress() instanceof InetSocketAddress remote ? remote : null;
    ConnectionTracker.Admission admission =
        tracker.admit(connection, client == null ? null : client.getAddress());
    if (admission != ConnectionTracker.Admission.ADMITTED) {
      log.debug("QUIC connection from {} refused: {}", client, admission.reason());
      metrics.connectionRefused();
      // Closed once its handshake is done: a CONNECTION_CLOSE before that never reaches the
      // client, which would wait out its own timeout instead of hearing CONNECTION_REFUSED.
      connection.pipeline().addLast(new RefuseWhenEstablished(admission.reason()));
      return;
    }
    connection.attr(ClientAddress.KEY).set(client);
    metrics.connectionOpened();
    connection.closeFuture().addListener(closed -> metrics.connectionClosed());
    connections.add(connection);
    var timeout =
        connection
            .eventLoop()
            .schedule(
                () -> {
                  if (!connection.isActive() && connection.isOpen()) {
                    log.debug("QUIC handshake from {} timed out", client);
                    connection.close();
                  }
                },
                handshakeTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
    connection.closeFuture().addListener(closed -> timeout.cancel(false));
    connection.pipeline().addLast(application);
  }
}
