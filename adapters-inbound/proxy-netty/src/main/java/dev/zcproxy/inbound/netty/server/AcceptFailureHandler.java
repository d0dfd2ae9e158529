package dev.zcproxy.inbound.netty.server;

import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * On the listening socket: an {@code accept(2)} that fails for want of file descriptors (or socket
 * memory) is counted and logged once per interval by {@link DescriptorExhaustion}, instead of one
 * warning per attempt from the tail of Netty's pipeline. Like Netty's own acceptor, it then stops
 * accepting for a second, so the loop does not spin on a backlog it cannot take; the connections
 * wait there and are accepted once descriptors are free again. Any other failure goes on as before.
 *
 * <p>Installed with {@code ServerBootstrap.handler(AcceptFailureHandler.installer(...))}, which
 * puts it in front of Netty's acceptor, so the event stops here.
 */
public final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {

  /** What Netty's ServerBootstrapAcceptor waits after an accept failure. */
  static final Duration PAUSE = Duration.ofSeconds(1);

  private final DescriptorExhaustion exhaustion;
  private Runnable resume; // built before descriptors run out: loading a class may need one

  AcceptFailureHandler(DescriptorExhaustion exhaustion) {
    this.exhaustion = exhaustion;
  }

  /** The bootstrap's listener handler: adds one of these, named, to the listening channel. */
  public static ChannelHandler installer(DescriptorExhaustion exhaustion) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel listener) {
        listener
            .pipeline()
            .addLast(PipelineNames.ACCEPT_FAILURES, new AcceptFailureHandler(exhaustion));
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ChannelConfig config = ctx.channel().config();
    resume = () -> config.setAutoRead(true);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String reason = DescriptorExhaustion.reason(cause);
    if (reason == null) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    exhaustion.record(DescriptorExhaustion.Operation.ACCEPT, reason);
    ChannelConfig config = ctx.channel().config();
    if (config.isAutoRead()) {
      config.setAutoRead(false);
      ctx.executor().schedule(resume, PAUSE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
