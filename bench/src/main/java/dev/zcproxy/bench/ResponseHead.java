package dev.zcproxy.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * First in a request stream's handlers (after the protocol's codec): takes the response head,
 * completes {@link #status} with its {@code :status}, and passes every later frame on. A stream
 * that closes or fails before its head completes it exceptionally.
 */
final class ResponseHead extends ChannelInboundHandlerAdapter {

  /** The {@code :status} of the response head. */
  final CompletableFuture<String> status = new CompletableFuture<>();

  private final Function<Object, CharSequence> statusOf;

  /**
   * @param statusOf the {@code :status} of a frame that is a response head, else null
   */
  ResponseHead(Function<Object, CharSequence> statusOf) {
    this.statusOf = statusOf;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!status.isDone()) {
      CharSequence code = statusOf.apply(msg);
      if (code != null) {
        ReferenceCountUtil.release(msg);
        status.complete(code.toString());
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    status.completeExceptionally(new IOException("the stream closed before the response head"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!status.isDone()) {
      status.completeExceptionally(cause);
      ctx.close();
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
