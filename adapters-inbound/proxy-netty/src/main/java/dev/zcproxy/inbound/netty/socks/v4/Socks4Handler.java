package dev.zcproxy.inbound.netty.socks.v4;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.auth.ClientAuthentication;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.handshake.EarlyData;
import dev.zcproxy.inbound.netty.handshake.HandshakeStage;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import dev.zcproxy.inbound.netty.socks.SocksCommands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOCKS4/4a conversation: one request, one reply (two for BIND).
 *
 * <p>SOCKS4 has no password. Its USERID field is only what the client claims to be (the protocol's
 * answer to that was identd, which nobody trusts), so it proves nothing and is logged, never used
 * to authenticate. Every SOCKS4 client is anonymous ({@code Credentials.NONE}): it is served only
 * when the policy admits anonymous clients, and then matches only rules that name no user or group.
 * Otherwise the reply is 0x5B.
 */
final class Socks4Handler extends ChannelInboundHandlerAdapter implements HandshakeStage {
  private static final Logger log = LoggerFactory.getLogger(Socks4Handler.class);

  enum State {
    AWAIT_REQUEST,
    COMMAND,
    DONE
  }

  private final ProxyContext context;
  private final EarlyData earlyData = new EarlyData();
  private State state = State.AWAIT_REQUEST;

  Socks4Handler(ProxyContext context) {
    this.context = context;
  }

  @Override
  public String protocol() {
    return Socks4FrontEnd.PROTOCOL;
  }

  @Override
  public List<String> handshakeHandlers() {
    return Socks4FrontEnd.HANDSHAKE_HANDLERS;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (msg) {
      case Socks4Request request when state == State.AWAIT_REQUEST -> onRequest(ctx, request);
      case MalformedRequest malformed when state == State.AWAIT_REQUEST -> {
        state = State.DONE;
        context.metrics().connectionRejected(Socks4FrontEnd.PROTOCOL, "malformed_request");
        log.debug("{}: malformed SOCKS4 request: {}", ctx.channel(), malformed.reason());
        replies(ctx).refuse();
      }
      case ByteBuf data when state == State.COMMAND -> earlyData.append(ctx.alloc(), data);
      default -> {
        ReferenceCountUtil.release(msg);
        if (state != State.DONE) {
          log.debug("{}: unexpected {} in state {}, closing", ctx.channel(), msg, state);
          state = State.DONE;
          ctx.close();
        }
      }
    }
  }

  private void onRequest(ChannelHandlerContext ctx, Socks4Request request) {
    state = State.COMMAND;
    // Bytes behind the request come back to channelRead as early data.
    ctx.pipeline().remove(Socks4FrontEnd.DECODER);
    Socks4Replies replies = replies(ctx);
    Principal principal = ClientAuthentication.anonymous(context, ctx.channel());
    if (principal == null) {
      state = State.DONE;
      context.metrics().authenticationFailed(Socks4FrontEnd.PROTOCOL, "anonymous_not_allowed");
      context
          .access()
          .authenticationFailed(
              ctx.channel(),
              Socks4FrontEnd.PROTOCOL,
              request.command().access(),
              request.destination(),
              AccessLines.start());
      log.debug(
          "{}: SOCKS4 (user id '{}') needs anonymous access, which is off",
          ctx.channel(),
          request.userId());
      replies.refuse();
      return;
    }
    if (!context.limits().admitUser(ctx.channel(), principal)) {
      state = State.DONE;
      context.metrics().connectionRejected(Socks4FrontEnd.PROTOCOL, "user_limit");
      context
          .access()
          .overLimit(
              ctx.channel(),
              Socks4FrontEnd.PROTOCOL,
              request.command().access(),
              null,
              principal,
              request.destination(),
              0);
      replies.refuse();
      return;
    }
    log.debug(
        "{}: {} {} (user id '{}')",
        ctx.channel(),
        request.command(),
        request.destination(),
        request.userId());
    switch (request.command()) {
      case CONNECT ->
          ConnectCommand.start(
              ctx.channel(), context, principal, request.destination(), this, replies);
      case BIND ->
          SocksCommands.bind(ctx, context, principal, request.destination(), this, replies);
      case UDP_ASSOCIATE -> throw new IllegalStateException("SOCKS4 has no UDP ASSOCIATE");
    }
  }

  private Socks4Replies replies(ChannelHandlerContext ctx) {
    return new Socks4Replies(ctx.channel(), context.metrics());
  }

  @Override
  public ByteBuf abort(ByteBufAllocator allocator) {
    State was = state;
    state = State.DONE;
    return was == State.DONE ? null : Socks4Replies.rejected(allocator);
  }

  @Override
  public ByteBuf takeEarlyData() {
    return earlyData.take();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    earlyData.release();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.warn("{}: SOCKS4 handshake failed unexpectedly", ctx.channel(), cause);
    state = State.DONE;
    ctx.close();
  }
}
