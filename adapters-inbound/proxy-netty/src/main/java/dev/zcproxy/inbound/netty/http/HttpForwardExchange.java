package dev.zcproxy.inbound.netty.http;

import dev.zcproxy.domain.access.AccessCommand;
import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.access.AccessResult;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.server.ClientAddress;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusals;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded request and its response. It resolves and authorizes the target, takes a pooled
 * connection or opens one, sends the rewritten head, then streams the request body up and the
 * response down as pieces arrive, never gathering a whole body:
 *
 * <ul>
 *   <li>Back-pressure: the client is read only while the upstream is writable (the handler asks
 *       {@link #wantsRequestBody()}), and the upstream only while the client is writable.
 *   <li>Framing is set afresh in both directions from what the decoders read: a Content-Length
 *       stays, anything else becomes chunked towards an HTTP/1.1 client, or close-delimited towards
 *       an HTTP/1.0 one.
 *   <li>Reuse: the upstream connection goes back to the pool when both messages ended cleanly and
 *       the origin keeps it alive. A pooled connection the origin closed just before we wrote to it
 *       is retried once on a fresh connection, for an idempotent request without a body.
 *   <li>Failure: before the response head the client gets 502 or 504; after it, a client that can
 *       no longer be told anything gets a closed connection, and never a body cut short that looks
 *       complete.
 * </ul>
 *
 * Everything runs on the client's event loop, which the upstream connection shares.
 */
public final class HttpForwardExchange {
  private static final Logger log = LoggerFactory.getLogger(HttpForwardExchange.class);

  /** RFC 9110 §9.2.2: safe to send again when the first attempt may not have arrived. */
  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.OPTIONS,
          HttpMethod.TRACE,
          HttpMethod.PUT,
          HttpMethod.DELETE);

  private final HttpForwardClient owner;
  private final Channel client;
  private final ProxyContext context;
  private final HttpUpstreamPool pool;
  private final String pseudonym;
  private final Principal principal;
  private final HttpProxyRequest request;
  private final HttpRequest outbound;

  /** What the client spoke: HTTP/1.0 gets neither interim responses nor chunks. */
  private final HttpVersion received;

  /** The metrics label of the client's protocol. */
  private final String protocol;

  private AuthorizedDestination destination;
  private HttpUpstreamPool.Key key;
  private Channel upstream;
  private boolean reusedConnection;
  private boolean retried;
  private boolean requestComplete;
  private long requestBodyBytes;
  private long responseBodyBytes;
  private boolean upstreamAnswered;
  private boolean informational;
  private boolean forwardInformational;
  private boolean responseStarted;
  private boolean responseComplete;
  private boolean responsePaused;
  private boolean upstreamReusable;
  private boolean closeClient;
  private boolean finished;
  private int refusedRule;
  private final long startNanos = AccessLines.start();
  private int responseStatus;
  private AccessResult accessResult = AccessResult.CLOSED;
  private int accessStatus;

  /**
   * @param client the channel the response goes to as HTTP/1.1 objects: the client connection, or
   *     an HTTP/2 stream whose pipeline turns them into frames
   * @param received the version the client spoke, for {@code Via} and the response's framing
   * @param protocol the metrics label
   */
  public HttpForwardExchange(
      HttpForwardClient owner,
      Channel client,
      ProxyContext context,
      HttpForwarding frontEnd,
      Principal principal,
      HttpProxyRequest request,
      HttpVersion received,
      String protocol) {
    this.owner = owner;
    this.received = received;
    this.protocol = protocol;
    this.client = client;
    this.context = context;
    this.pool = frontEnd.pool();
    this.pseudonym = frontEnd.pseudonym();
    this.principal = principal;
    this.request = request;
    this.outbound = rewriteRequest(request, received, pseudonym);
  }

  /** The head the origin gets: origin form, HTTP/1.1, hop-by-hop fields gone, framing redone. */
  private static HttpRequest rewriteRequest(
      HttpProxyRequest request, HttpVersion received, String pseudonym) {
    HttpRequest head = request.head();
    HttpHeaders headers = head.headers();
    String contentLength = headers.get(HttpHeaderNames.CONTENT_LENGTH);
    HttpForwardHeaders.removeHopByHop(headers);
    headers.remove(HttpHeaderNames.CONTENT_LENGTH);
    if (request.chunked()) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else if (contentLength != null) {
      headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
    }
    // RFC 9112 §3.2.2: a proxy generates Host from the target, whatever the client said.
    headers.set(HttpHeaderNames.HOST, request.target().authority());
    HttpForwardHeaders.addVia(headers, received, pseudonym);
    return new DefaultHttpRequest(
        HttpVersion.HTTP_1_1, head.method(), request.target().pathAndQuery(), headers);
  }

  public void start() {
    context
        .gate()
        .resolveAndAuthorize(
            client.eventLoop(), principal, request.target().destination(), Protocol.TCP)
        .addListener(
            (Future<AuthorizedDestination> authorized) -> {
              if (finished) {
                return;
              }
              if (!authorized.isSuccess()) {
                refused(authorized.cause());
                return;
              }
              destination = authorized.getNow();
              key = new HttpUpstreamPool.Key(principal, destination.address());
              Channel pooled = pool.acquire(client.eventLoop(), key);
              if (pooled != null) {
                attach(pooled, true);
              } else {
                connect();
              }
            });
  }

  private void connect() {
    context
        .connector()
        .connect(client, destination)
        .addListener(
            (Future<Channel> connected) -> {
              if (finished) {
                if (connected.isSuccess()) {
                  connected.getNow().close();
                }
                return;
              }
              if (connected.isSuccess()) {
                attach(connected.getNow(), false);
              } else {
                refused(connected.cause());
              }
            });
  }

  private void attach(Channel channel, boolean reused) {
    upstream = channel;
    reusedConnection = reused;
    HttpUpstreamHandler.serve(channel, this);
    log.debug(
        "{}: {} {} for {} via {} ({}), rule {}",
        client,
        outbound.method(),
        request.target().destination(),
        principal.name(),
        channel,
        reused ? "reused" : "new",
        destination.ruleNumber());
    upstream.write(outbound, upstream.voidPromise());
    if (requestComplete) {
      // A retry: the request had no body, so its end is all there is left to send.
      upstream.write(LastHttpContent.EMPTY_LAST_CONTENT, upstream.voidPromise());
    } else {
      owner.exchangeReady(); // hands over the body pieces that arrived meanwhile
    }
    if (!finished) {
      upstream.flush();
      upstream.read();
    }
  }

  /** Whether the handler may hand over body pieces now. */
  public boolean acceptsRequestBody() {
    return upstream != null && !requestComplete && !finished;
  }

  /** Whether the handler should read more of the client's body now. */
  public boolean wantsRequestBody() {
    return acceptsRequestBody() && upstream.isWritable();
  }

  public void sendRequestBody(HttpContent content) {
    sendRequestBody(content, null);
  }

  /**
   * Sends a piece of the body upstream.
   *
   * @param written run once the upstream connection has taken the piece (or failed to), or at once
   *     when the piece is dropped; null for none. HTTP/2 returns flow-control credit here.
   */
  public void sendRequestBody(HttpContent content, Runnable written) {
    if (!acceptsRequestBody()) {
      content.release();
      if (written != null) {
        written.run();
      }
      return;
    }
    requestBodyBytes += content.content().readableBytes();
    ChannelPromise promise = upstream.voidPromise();
    if (written != null) {
      promise = upstream.newPromise();
      promise.addListener(done -> written.run());
    }
    if (content instanceof LastHttpContent) {
      requestComplete = true;
      upstream.writeAndFlush(content, promise);
      maybeFinish();
    } else {
      upstream.write(content, promise);
    }
  }

  /** The client's read is over: send what it brought. */
  public void flushRequestBody() {
    if (upstream != null && !finished) {
      upstream.flush();
    }
  }

  void onUpstreamMessage(Object msg) {
    if (finished) {
      ReferenceCountUtil.release(msg);
      return;
    }
    upstreamAnswered = true;
    if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      fail("invalid response from upstream: " + object.decoderResult().cause().getMessage());
      return;
    }
    if (msg instanceof HttpResponse response) {
      onResponseHead(response);
    }
    if (msg instanceof HttpContent content) {
      onResponseContent(content);
    }
  }

  private void onResponseHead(HttpResponse response) {
    HttpResponseStatus status = response.status();
    HttpHeaders headers = response.headers();
    if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
      if (status.code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        fail("upstream switched protocols, which the proxy never asks for");
        return;
      }
      // 100 Continue, 103 Early Hints: passed on, then the real answer follows. RFC 9110 §15.2:
      // never to an HTTP/1.0 client, which would take it for the answer.
      informational = true;
      forwardInformational = !received.equals(HttpVersion.HTTP_1_0);
      if (forwardInformational) {
        HttpForwardHeaders.removeHopByHop(headers);
        HttpForwardHeaders.addVia(headers, response.protocolVersion(), pseudonym);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        client.write(response, client.voidPromise());
      }
      return;
    }
    responseStarted = true;
    responseStatus = status.code();
    boolean bodyless =
        HttpMethod.HEAD.equals(outbound.method())
            || status.code() == HttpResponseStatus.NO_CONTENT.code()
            || status.code() == HttpResponseStatus.NOT_MODIFIED.code();
    boolean upstreamChunked = HttpUtil.isTransferEncodingChunked(response);
    boolean hasLength = !upstreamChunked && headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    upstreamReusable = HttpUtil.isKeepAlive(response) && (bodyless || hasLength || upstreamChunked);
    // An origin that answers before it has the whole request will not read the rest.
    closeClient = !request.keepAlive() || !requestComplete;
    HttpForwardHeaders.removeHopByHop(headers);
    if (!bodyless && !hasLength) {
      if (!received.equals(HttpVersion.HTTP_1_0)) {
        HttpUtil.setTransferEncodingChunked(response, true);
      } else {
        closeClient = true; // HTTP/1.0 has no chunks: the body ends with the connection
      }
    }
    if (closeClient) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    HttpForwardHeaders.addVia(headers, response.protocolVersion(), pseudonym);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    client.write(response, client.voidPromise());
  }

  private void onResponseContent(HttpContent content) {
    if (informational) {
      informational = !(content instanceof LastHttpContent);
      if (forwardInformational) {
        client.write(content, client.voidPromise());
      } else {
        content.release();
      }
      return;
    }
    responseBodyBytes += content.content().readableBytes();
    if (content instanceof LastHttpContent) {
      responseComplete = true;
      client.writeAndFlush(content, client.voidPromise());
      maybeFinish();
    } else {
      client.write(content, client.voidPromise());
    }
  }

  void onUpstreamReadComplete() {
    if (finished) {
      return;
    }
    client.flush();
    if (client.isWritable()) {
      upstream.read();
    } else {
      responsePaused = true;
    }
  }

  public void onClientWritable() {
    if (responsePaused && !finished) {
      responsePaused = false;
      upstream.read();
    }
  }

  void onUpstreamWritable() {
    if (!finished) {
      owner.requestBodyWanted();
    }
  }

  /** The upstream connection closed ({@code cause} null) or failed. */
  void onUpstreamClosed(Throwable cause) {
    if (finished) {
      return;
    }
    if (cause != null) {
      log.debug("{}: upstream {} failed: {}", client, upstream, cause.toString());
    }
    Channel lost = upstream;
    HttpUpstreamHandler.detach(lost);
    lost.close();
    if (mayRetry()) {
      log.debug("{}: pooled connection {} was closed by the origin; retrying", client, lost);
      retried = true;
      upstream = null;
      connect();
      return;
    }
    fail(
        cause == null
            ? "upstream closed the connection before the response was complete"
            : "upstream connection failed: " + cause.getMessage());
  }

  /**
   * A pooled connection may have been closed by the origin just as it was taken; the request never
   * reached the origin then. Only a request that can be sent twice without harm is retried.
   */
  private boolean mayRetry() {
    return reusedConnection
        && !retried
        && !upstreamAnswered
        && requestComplete
        && requestBodyBytes == 0
        && IDEMPOTENT.contains(outbound.method());
  }

  /** The client's connection was idle for the idle timeout in the middle of this exchange. */
  public void onIdle(Duration idleTimeout) {
    if (finished) {
      return;
    }
    accessResult = AccessResult.TIMEOUT;
    if (responseStarted) {
      finishWithFailure();
      owner.exchangeAborted();
    } else {
      accessStatus = HttpResponseStatus.GATEWAY_TIMEOUT.code();
      finishWithFailure();
      owner.exchangeFailed(
          new HttpRejection(
              HttpResponseStatus.GATEWAY_TIMEOUT,
              "timeout",
              "no response from upstream within " + idleTimeout));
    }
  }

  /** Whether the client has seen the response head (so it can no longer get an error instead). */
  public boolean responseStarted() {
    return responseStarted;
  }

  /** The client went away or the handler gave up: close the upstream side, forget everything. */
  public void abort() {
    if (!finished) {
      accessResult = AccessResult.CLOSED;
      finishWithFailure();
    }
  }

  private void refused(Throwable cause) {
    if (!(cause instanceof ProxyRefusal)) {
      log.warn("{}: forwarding to {} failed unexpectedly", client, request.target(), cause);
    }
    ProxyRefusal refusal = ProxyRefusals.of(cause);
    log.debug("{}: forwarding refused: {}", client, refusal.getMessage());
    HttpRejection rejection = HttpRejection.ofRefusal(refusal);
    accessResult = AccessLines.result(refusal.kind());
    accessStatus = rejection.status().code();
    refusedRule = refusal.ruleNumber();
    finishWithFailure();
    owner.exchangeFailed(rejection);
  }

  private void fail(String reason) {
    log.debug("{}: forwarding failed: {}", client, reason);
    accessResult = responseStarted ? AccessResult.RESET : AccessResult.ERROR;
    accessStatus = responseStarted ? 0 : HttpResponseStatus.BAD_GATEWAY.code();
    finishWithFailure();
    if (responseStarted) {
      owner.exchangeAborted();
    } else {
      owner.exchangeFailed(HttpRejection.badGateway(reason));
    }
  }

  private void maybeFinish() {
    if (finished || !responseComplete) {
      return;
    }
    accessResult = AccessResult.OK;
    if (!requestComplete) {
      // The origin answered without the whole body; what is left of it cannot be delimited.
      finishWithFailure();
      owner.exchangeCompleted(false);
      return;
    }
    finished = true;
    reportBytes();
    if (upstreamReusable && upstream.isActive()) {
      pool.release(client.eventLoop(), key, upstream);
    } else {
      HttpUpstreamHandler.detach(upstream);
      upstream.close();
    }
    owner.exchangeCompleted(!closeClient);
  }

  private void finishWithFailure() {
    finished = true;
    reportBytes();
    if (upstream != null) {
      HttpUpstreamHandler.detach(upstream);
      upstream.close();
    }
  }

  /** Called once, when the exchange is over however it went: metrics and the access log line. */
  private void reportBytes() {
    logAccess();
    if (requestBodyBytes > 0) {
      context.metrics().bytesRelayed(protocol, ProxyMetrics.COPY, "upstream", requestBodyBytes);
    }
    if (responseBodyBytes > 0) {
      context.metrics().bytesRelayed(protocol, ProxyMetrics.COPY, "downstream", responseBodyBytes);
    }
  }

  private void logAccess() {
    AccessLines access = context.access();
    if (!access.enabled()) {
      return;
    }
    int status = accessStatus != 0 ? accessStatus : responseStatus;
    access.log(
        new AccessRecord(
            Instant.now(),
            AccessLines.since(startNanos),
            ClientAddress.of(client),
            AccessLines.user(principal),
            protocol,
            AccessCommand.FORWARD,
            outbound.method().name(),
            loggedUrl(request.target()),
            destination == null ? null : destination.address(),
            destination == null ? refusedRule : destination.ruleNumber(),
            accessResult,
            status,
            destination == null ? null : ProxyMetrics.COPY,
            requestBodyBytes,
            responseBodyBytes));
  }

  /**
   * The URL as the access log shows it, as Squid does by default ({@code strip_query_terms}):
   * without the query, which may carry a token, and without any user information.
   */
  public static String loggedUrl(HttpRequestTarget target) {
    String authority = target.authority();
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    String path = target.pathAndQuery();
    int end = path.length();
    for (char c : new char[] {'?', '#'}) {
      int at = path.indexOf(c);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    return "http://" + authority + path.substring(0, end);
  }
}
