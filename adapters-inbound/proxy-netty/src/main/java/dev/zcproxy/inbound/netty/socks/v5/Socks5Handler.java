package dev.zcproxy.inbound.netty.socks.v5;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.auth.ClientAuthentication;
import dev.zcproxy.inbound.netty.auth.kerberos.GssapiProtection;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosExchange;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosLogin;
import dev.zcproxy.inbound.netty.command.BindCommand;
import dev.zcproxy.inbound.netty.command.ConnectCommand;
import dev.zcproxy.inbound.netty.handshake.EarlyData;
import dev.zcproxy.inbound.netty.handshake.HandshakeStage;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.socks.MalformedRequest;
import dev.zcproxy.inbound.netty.socks.SocksCommands;
import dev.zcproxy.inbound.netty.socks.v5.gssapi.Socks5GssapiDecoder;
import dev.zcproxy.inbound.netty.socks.v5.gssapi.Socks5GssapiEncapsulation;
import dev.zcproxy.inbound.netty.socks.v5.gssapi.Socks5GssapiMessage;
import dev.zcproxy.inbound.netty.socks.v5.udp.Socks5UdpAssociate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.List;
import org.ietf.jgss.GSSException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOCKS5 conversation (RFC 1928, RFC 1929), one state per message the client owes us. Each
 * phase has its own decoder, and this handler swaps them as the conversation moves on.
 *
 * <ul>
 *   <li>Method selection: username/password (0x02) whenever the client offers it, so a client that
 *       can log in always does; else GSS-API (0x01) when Kerberos is set up and the client offers
 *       it; no authentication (0x00) only if the client offers nothing else and the policy admits
 *       anonymous clients; otherwise 0xFF and close.
 *   <li>RFC 1929: success is 0x01 0x00; failure (including throttling) is 0x01 0x01, then close.
 *   <li>RFC 1961: context tokens are accepted by JGSS off the event loop, the principal is mapped
 *       to a policy user, and the protection level granted is the client's wish up to the
 *       configured ceiling, by default 0x00, no per-message protection (what curl uses; the SOCKS
 *       request and the tunnel then flow as plain bytes). Above that, {@link
 *       Socks5GssapiEncapsulation} wraps everything that follows. Any failure, or the client's own
 *       abort, ends in 0x01 0xFF and close.
 *   <li>The request: CONNECT is served by {@link ConnectCommand}; BIND and UDP ASSOCIATE are handed
 *       to {@link BindCommand} and {@link UdpAssociation} after the handshake handlers are gone.
 * </ul>
 */
final class Socks5Handler extends ChannelInboundHandlerAdapter implements HandshakeStage {
  private static final Logger log = LoggerFactory.getLogger(Socks5Handler.class);

  enum State {
    AWAIT_GREETING,
    AWAIT_PASSWORD,
    /** The password is being checked off the event loop; the client is not read meanwhile. */
    AUTHENTICATING,
    AWAIT_GSS_TOKEN,
    /** A GSS-API token is being accepted, or its principal mapped, off the event loop. */
    GSS_ACCEPTING,
    AWAIT_GSS_PROTECTION,
    AWAIT_REQUEST,
    COMMAND,
    DONE
  }

  private final ProxyContext context;
  private final EarlyData earlyData = new EarlyData();
  private State state = State.AWAIT_GREETING;
  private Principal principal;
  private final long startNanos = AccessLines.start();
  private KerberosExchange kerberos;

  /** Set once a protection level above "none" is granted: every later reply goes through it. */
  private Socks5GssapiEncapsulation encapsulation;

  Socks5Handler(ProxyContext context) {
    this.context = context;
  }

  @Override
  public String protocol() {
    return Socks5FrontEnd.PROTOCOL;
  }

  @Override
  public List<String> handshakeHandlers() {
    return Socks5FrontEnd.HANDSHAKE_HANDLERS;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (msg) {
      case Socks5Greeting greeting when state == State.AWAIT_GREETING -> onGreeting(ctx, greeting);
      case Socks5PasswordRequest login when state == State.AWAIT_PASSWORD -> onLogin(ctx, login);
      case Socks5GssapiMessage gss when gss.type() == Socks5GssapiMessage.ABORT ->
          onClientAbort(ctx);
      case Socks5GssapiMessage gss when state == State.AWAIT_GSS_TOKEN -> onGssToken(ctx, gss);
      case Socks5GssapiMessage gss when state == State.AWAIT_GSS_PROTECTION ->
          onProtection(ctx, gss);
      case Socks5CommandRequest request when state == State.AWAIT_REQUEST ->
          onRequest(ctx, request);
      case MalformedRequest malformed -> onMalformed(ctx, malformed);
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

  private void onGreeting(ChannelHandlerContext ctx, Socks5Greeting greeting) {
    if (greeting.offers(Socks5Greeting.USERNAME_PASSWORD)) {
      ctx.writeAndFlush(
          Socks5Replies.methodSelection(ctx.alloc(), Socks5Greeting.USERNAME_PASSWORD));
      nextPhase(
          ctx,
          State.AWAIT_PASSWORD,
          Socks5FrontEnd.INITIAL_DECODER,
          Socks5FrontEnd.PASSWORD_DECODER,
          new Socks5PasswordDecoder());
      return;
    }
    if (greeting.offers(Socks5Greeting.GSSAPI) && context.settings().kerberos().isPresent()) {
      kerberos = context.settings().kerberos().get().newExchange();
      ctx.writeAndFlush(Socks5Replies.methodSelection(ctx.alloc(), Socks5Greeting.GSSAPI));
      nextPhase(
          ctx,
          State.AWAIT_GSS_TOKEN,
          Socks5FrontEnd.INITIAL_DECODER,
          Socks5FrontEnd.GSSAPI_DECODER,
          gssDecoder(Socks5GssapiMessage.AUTHENTICATION));
      return;
    }
    if (greeting.offers(Socks5Greeting.NO_AUTHENTICATION)) {
      principal = ClientAuthentication.anonymous(context, ctx.channel());
      if (principal != null) {
        ctx.writeAndFlush(
            Socks5Replies.methodSelection(ctx.alloc(), Socks5Greeting.NO_AUTHENTICATION));
        nextPhase(
            ctx,
            State.AWAIT_REQUEST,
            Socks5FrontEnd.INITIAL_DECODER,
            Socks5FrontEnd.REQUEST_DECODER,
            new Socks5RequestDecoder());
        return;
      }
    }
    state = State.DONE;
    context.metrics().authenticationFailed(Socks5FrontEnd.PROTOCOL, "no_acceptable_method");
    logAuthenticationFailed(ctx);
    log.debug("{}: no acceptable authentication method in {}", ctx.channel(), greeting);
    ctx.writeAndFlush(
            Socks5Replies.methodSelection(ctx.alloc(), Socks5Greeting.NO_ACCEPTABLE_METHODS))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private void onLogin(ChannelHandlerContext ctx, Socks5PasswordRequest login) {
    state = State.AUTHENTICATING;
    ClientAuthentication.authenticate(
            context,
            ctx.channel(),
            new Credentials.UsernamePassword(login.username(), login.password()))
        .addListener(
            answer -> {
              // The guard may have timed the handshake out, or the client left, meanwhile.
              if (state != State.AUTHENTICATING || !ctx.channel().isActive()) {
                return;
              }
              if (answer.isSuccess()) {
                onLoginChecked(ctx, login.username(), (AuthResult) answer.getNow());
              } else {
                log.warn(
                    "{}: checking the login of {} failed",
                    ctx.channel(),
                    login.username(),
                    answer.cause());
                context.metrics().authenticationFailed(Socks5FrontEnd.PROTOCOL, "error");
                refuseLogin(ctx);
              }
            });
  }

  private void onLoginChecked(ChannelHandlerContext ctx, String username, AuthResult result) {
    if (result instanceof AuthResult.Authenticated authenticated) {
      principal = authenticated.principal();
      ctx.writeAndFlush(Socks5Replies.authResult(ctx.alloc(), Socks5Replies.AUTH_SUCCESS));
      nextPhase(
          ctx,
          State.AWAIT_REQUEST,
          Socks5FrontEnd.PASSWORD_DECODER,
          Socks5FrontEnd.REQUEST_DECODER,
          new Socks5RequestDecoder());
      return;
    }
    String reason = ClientAuthentication.failureLabel(result);
    context.metrics().authenticationFailed(Socks5FrontEnd.PROTOCOL, reason);
    log.debug("{}: login of {} failed: {}", ctx.channel(), username, reason);
    refuseLogin(ctx);
  }

  /** A token can never be longer than what the handshake may send at all. */
  private Socks5GssapiDecoder gssDecoder(int type) {
    return new Socks5GssapiDecoder(type, context.settings().limits().maxHandshakeBytes());
  }

  private void onGssToken(ChannelHandlerContext ctx, Socks5GssapiMessage message) {
    state = State.GSS_ACCEPTING;
    KerberosExchange exchange = kerberos;
    KerberosLogin.accept(context, ctx.channel(), exchange, message.token())
        .addListener(
            (Future<KerberosLogin.Outcome> done) -> {
              if (state != State.GSS_ACCEPTING || !ctx.channel().isActive()) {
                exchange.close(); // the handshake ended meanwhile; nobody else touches it now
                return;
              }
              switch (done.getNow()) {
                case KerberosLogin.Outcome.Continue(byte[] token) -> {
                  ctx.writeAndFlush(
                      new Socks5GssapiMessage(Socks5GssapiMessage.AUTHENTICATION, token)
                          .encode(ctx.alloc()));
                  nextPhase(
                      ctx,
                      State.AWAIT_GSS_TOKEN,
                      Socks5FrontEnd.GSSAPI_DECODER,
                      Socks5FrontEnd.GSSAPI_DECODER,
                      gssDecoder(Socks5GssapiMessage.AUTHENTICATION));
                }
                case KerberosLogin.Outcome.LoggedIn(Principal who, String client, byte[] token) ->
                    onGssLoggedIn(ctx, who, token);
                case KerberosLogin.Outcome.TicketRefused(String reason, String detail) ->
                    refuseGss(ctx, reason, detail);
                case KerberosLogin.Outcome.LoginFailed failed ->
                    refuseGss(ctx, "error", "mapping failed");
                case KerberosLogin.Outcome.PrincipalRefused(String reason, String client) ->
                    refuseGss(ctx, reason, client);
              }
            });
  }

  /** The policy knows whom the ticket stands for: on to the protection level. */
  private void onGssLoggedIn(ChannelHandlerContext ctx, Principal who, byte[] token) {
    principal = who;
    if (token != null) {
      ctx.writeAndFlush(
          new Socks5GssapiMessage(Socks5GssapiMessage.AUTHENTICATION, token).encode(ctx.alloc()));
    }
    nextPhase(
        ctx,
        State.AWAIT_GSS_PROTECTION,
        Socks5FrontEnd.GSSAPI_DECODER,
        Socks5FrontEnd.GSSAPI_DECODER,
        gssDecoder(Socks5GssapiMessage.PROTECTION));
  }

  /**
   * RFC 1961 §4: the client's wrapped wish for a protection level. The proxy grants it up to the
   * configured ceiling (by default no per-message protection, what curl can use); a client that
   * insists on more aborts here. Above "none", every later message either way is encapsulated
   * ({@link Socks5GssapiEncapsulation}), from the SOCKS request on.
   */
  private void onProtection(ChannelHandlerContext ctx, Socks5GssapiMessage message) {
    GssapiProtection granted;
    byte[] grant;
    try {
      byte[] wish = kerberos.unwrap(message.token());
      if (wish.length != 1 || (wish[0] & 0xFF) > 3) {
        refuseGss(ctx, "malformed", "protection level message of " + wish.length + " bytes");
        return;
      }
      granted = context.settings().kerberos().orElseThrow().socksProtection().grant(wish[0]);
      log.debug(
          "{}: client asks for protection level {}, granting {}", ctx.channel(), wish[0], granted);
      grant = kerberos.wrap(new byte[] {(byte) granted.level()}, false);
    } catch (GSSException refused) {
      refuseGss(ctx, "bad_token", refused.toString());
      return;
    }
    ctx.writeAndFlush(
        new Socks5GssapiMessage(Socks5GssapiMessage.PROTECTION, grant).encode(ctx.alloc()));
    if (granted == GssapiProtection.NONE) {
      kerberos.close();
      kerberos = null;
      nextPhase(
          ctx,
          State.AWAIT_REQUEST,
          Socks5FrontEnd.GSSAPI_DECODER,
          Socks5FrontEnd.REQUEST_DECODER,
          new Socks5RequestDecoder());
      return;
    }
    // The encapsulation takes over the context; bytes the client already sent reach it first.
    KerberosExchange protectedExchange = kerberos;
    kerberos = null;
    ChannelPipeline pipeline = ctx.pipeline();
    pipeline.addAfter(
        Socks5FrontEnd.GSSAPI_DECODER, Socks5FrontEnd.REQUEST_DECODER, new Socks5RequestDecoder());
    encapsulation =
        new Socks5GssapiEncapsulation(
            protectedExchange, granted == GssapiProtection.CONFIDENTIALITY);
    nextPhase(
        ctx,
        State.AWAIT_REQUEST,
        Socks5FrontEnd.GSSAPI_DECODER,
        Socks5FrontEnd.GSSAPI_ENCAPSULATION,
        encapsulation);
  }

  private void onClientAbort(ChannelHandlerContext ctx) {
    state = State.DONE;
    context.metrics().authenticationFailed(Socks5FrontEnd.PROTOCOL, "client_abort");
    log.debug("{}: the client aborted GSS-API authentication", ctx.channel());
    ctx.close();
  }

  /** RFC 1961 §3.3: the server refuses with {@code 0x01 0xFF} and closes. */
  private void refuseGss(ChannelHandlerContext ctx, String reason, String detail) {
    state = State.DONE;
    context.metrics().authenticationFailed(Socks5FrontEnd.PROTOCOL, reason);
    log.debug("{}: GSS-API authentication refused ({}): {}", ctx.channel(), reason, detail);
    logAuthenticationFailed(ctx);
    ctx.writeAndFlush(Socks5GssapiMessage.abort().encode(ctx.alloc()))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private void onRequest(ChannelHandlerContext ctx, Socks5CommandRequest request) {
    state = State.COMMAND;
    // Bytes behind the request come back to channelRead as early data.
    ctx.pipeline().remove(Socks5FrontEnd.REQUEST_DECODER);
    Socks5Replies replies = new Socks5Replies(ctx.channel(), context.metrics());
    if (!context.limits().admitUser(ctx.channel(), principal)) {
      state = State.DONE;
      context.metrics().connectionRejected(Socks5FrontEnd.PROTOCOL, "user_limit");
      context
          .access()
          .overLimit(
              ctx.channel(),
              Socks5FrontEnd.PROTOCOL,
              request.command().access(),
              null,
              principal,
              request.destination(),
              0);
      log.debug("{}: {} is at its connection limit", ctx.channel(), principal.name());
      replies.refuse(Socks5Replies.GENERAL_FAILURE);
      return;
    }
    log.debug(
        "{}: {} {} for {}",
        ctx.channel(),
        request.command(),
        request.destination(),
        principal.name());
    switch (request.command()) {
      case CONNECT ->
          ConnectCommand.start(
              ctx.channel(), context, principal, request.destination(), this, replies);
      case BIND ->
          SocksCommands.bind(ctx, context, principal, request.destination(), this, replies);
      case UDP_ASSOCIATE -> {
        SocksCommands.handOff(ctx, this);
        Socks5UdpAssociate.start(ctx.channel(), context, principal, request.destination(), replies);
      }
    }
  }

  private void onMalformed(ChannelHandlerContext ctx, MalformedRequest malformed) {
    State was = state;
    state = State.DONE;
    log.debug("{}: malformed SOCKS5 message: {}", ctx.channel(), malformed.reason());
    switch (was) {
      case AWAIT_PASSWORD -> {
        context.metrics().authenticationFailed(Socks5FrontEnd.PROTOCOL, "malformed");
        refuseLogin(ctx);
      }
      case AWAIT_GSS_TOKEN, AWAIT_GSS_PROTECTION -> {
        refuseGss(ctx, "malformed", malformed.reason());
      }
      case AWAIT_REQUEST -> {
        context.metrics().connectionRejected(Socks5FrontEnd.PROTOCOL, "malformed_request");
        new Socks5Replies(ctx.channel(), context.metrics()).refuse(malformed.replyCode());
      }
      default -> {
        context.metrics().connectionRejected(Socks5FrontEnd.PROTOCOL, "malformed_greeting");
        ctx.close(); // before method selection there is no failure reply to give
      }
    }
  }

  /** SOCKS5 authenticates before the request: the line has neither command nor destination. */
  private void logAuthenticationFailed(ChannelHandlerContext ctx) {
    context
        .access()
        .authenticationFailed(ctx.channel(), Socks5FrontEnd.PROTOCOL, null, null, startNanos);
  }

  private void refuseLogin(ChannelHandlerContext ctx) {
    state = State.DONE;
    logAuthenticationFailed(ctx);
    ctx.writeAndFlush(Socks5Replies.authResult(ctx.alloc(), Socks5Replies.AUTH_FAILURE))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Moves to {@code next} and swaps the decoder. The new decoder may at once decode bytes the
   * client pipelined, re-entering this handler, so the state changes first and a read is asked for
   * only if the message is still missing.
   */
  private void nextPhase(
      ChannelHandlerContext ctx,
      State next,
      String oldDecoder,
      String newDecoderName,
      io.netty.channel.ChannelHandler newDecoder) {
    state = next;
    ctx.pipeline().replace(oldDecoder, newDecoderName, newDecoder);
    if (state == next) {
      ctx.read();
    }
  }

  @Override
  public ByteBuf abort(ByteBufAllocator allocator) {
    State was = state;
    state = State.DONE;
    return switch (was) {
      case AWAIT_GREETING, DONE -> null;
      case AWAIT_PASSWORD, AUTHENTICATING ->
          Socks5Replies.authResult(allocator, Socks5Replies.AUTH_FAILURE);
      case AWAIT_GSS_TOKEN, GSS_ACCEPTING, AWAIT_GSS_PROTECTION ->
          Socks5GssapiMessage.abort().encode(allocator);
      case AWAIT_REQUEST, COMMAND -> {
        ByteBuf failure = Socks5Replies.failure(allocator, Socks5Replies.GENERAL_FAILURE);
        // The guard writes below the encapsulation, so a protected client's reply is wrapped here.
        yield encapsulation == null ? failure : encapsulation.encapsulate(allocator, failure);
      }
    };
  }

  @Override
  public ByteBuf takeEarlyData() {
    return earlyData.take();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    earlyData.release();
    // While a token is being accepted the pool thread holds the context; its listener closes it.
    if (kerberos != null && state != State.GSS_ACCEPTING) {
      kerberos.close();
      kerberos = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.warn("{}: SOCKS5 handshake failed unexpectedly", ctx.channel(), cause);
    state = State.DONE;
    ctx.close();
  }
}
