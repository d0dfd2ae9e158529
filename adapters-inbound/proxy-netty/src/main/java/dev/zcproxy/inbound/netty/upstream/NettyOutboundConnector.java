package dev.zcproxy.inbound.netty.upstream;

import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion;
import dev.zcproxy.inbound.netty.relay.CopyRelay;
import dev.zcproxy.inbound.netty.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.time.Duration;
import java.util.Locale;

/**
 * Opens upstream connections on the client's own event loop, so both ends of a tunnel share a
 * thread and the relay needs no locking. The channel comes back with {@code AUTO_READ} off and an
 * empty pipeline: nothing is read until the relay asks. A socket it cannot open for want of file
 * descriptors is counted, and logged once per interval, by {@link DescriptorExhaustion}; the client
 * is refused as for any other failure.
 */
public final class NettyOutboundConnector implements OutboundConnector {

  private final Bootstrap template;
  private final DescriptorExhaustion exhaustion;

  public NettyOutboundConnector(
      Transport transport, Duration connectTimeout, DescriptorExhaustion exhaustion) {
    this.exhaustion = exhaustion;
    this.template =
        new Bootstrap()
            .channel(transport.socketChannel())
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, CopyRelay.WATER_MARK)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
            .handler(EmptyPipeline.INSTANCE);
  }

  @Override
  public Future<Channel> connect(Channel inbound, AuthorizedDestination destination) {
    Promise<Channel> promise = inbound.eventLoop().newPromise();
    ChannelFuture connect = template.clone(inbound.eventLoop()).connect(destination.address());
    connect.addListener(
        (ChannelFuture done) -> {
          if (done.isSuccess()) {
            promise.trySuccess(done.channel());
          } else {
            String exhausted = DescriptorExhaustion.reason(done.cause());
            if (exhausted != null) {
              exhaustion.record(DescriptorExhaustion.Operation.CONNECT, exhausted);
            }
            promise.tryFailure(refusalFor(done.cause(), destination.requested()));
          }
        });
    return promise;
  }

  /**
   * Maps a connect failure onto what the client is told. Epoll reports both ENETUNREACH and
   * EHOSTUNREACH as a bare {@link NoRouteToHostException}; the JDK says "Network is unreachable" in
   * a plain {@link SocketException} and uses {@link ConnectException} for ETIMEDOUT too.
   */
  static ProxyRefusal refusalFor(Throwable cause, Destination destination) {
    String message = cause.getMessage() == null ? "" : cause.getMessage();
    String lower = message.toLowerCase(Locale.ROOT);
    String what = "connect to " + destination + " failed: ";
    String exhausted = DescriptorExhaustion.reason(cause);
    if (exhausted != null) {
      return new ProxyRefusal(
          ProxyRefusal.Kind.GENERAL_FAILURE,
          what + exhausted + ", the proxy is out of file descriptors or socket memory");
    }
    if (cause instanceof ConnectTimeoutException || lower.contains("timed out")) {
      return new ProxyRefusal(ProxyRefusal.Kind.TIMEOUT, what + "timed out");
    }
    if (lower.contains("network is unreachable")) {
      return new ProxyRefusal(ProxyRefusal.Kind.NETWORK_UNREACHABLE, what + "network unreachable");
    }
    if (cause instanceof NoRouteToHostException) {
      return new ProxyRefusal(ProxyRefusal.Kind.HOST_UNREACHABLE, what + "no route to host");
    }
    if (cause instanceof ConnectException) {
      return new ProxyRefusal(ProxyRefusal.Kind.CONNECTION_REFUSED, what + "connection refused");
    }
    return new ProxyRefusal(
        ProxyRefusal.Kind.GENERAL_FAILURE, what + cause.getClass().getSimpleName() + " " + message);
  }

  /** The bootstrap insists on a handler; the relay installs the real ones later. */
  private static final class EmptyPipeline extends ChannelInitializer<Channel> {
    static final EmptyPipeline INSTANCE = new EmptyPipeline();

    @Override
    protected void initChannel(Channel channel) {}
  }
}
