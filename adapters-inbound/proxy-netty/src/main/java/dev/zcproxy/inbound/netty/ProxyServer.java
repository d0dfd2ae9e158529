package dev.zcproxy.inbound.netty;

import dev.zcproxy.domain.port.in.AuthenticateClientUseCase;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;
import dev.zcproxy.domain.port.out.AccessLog;
import dev.zcproxy.domain.service.AuthorizeResolvedDestinationService;
import dev.zcproxy.inbound.netty.access.AccessLines;
import dev.zcproxy.inbound.netty.auth.ClientAuthentication;
import dev.zcproxy.inbound.netty.handshake.ConnectionTracker;
import dev.zcproxy.inbound.netty.http.h2.Http2FrontEnd;
import dev.zcproxy.inbound.netty.http.h3.Http3FrontEnd;
import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion;
import dev.zcproxy.inbound.netty.metrics.MicrometerProxyMetrics;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.quic.QuicListener;
import dev.zcproxy.inbound.netty.relay.RelaySelector;
import dev.zcproxy.inbound.netty.relay.spi.SocketRelay;
import dev.zcproxy.inbound.netty.server.AcceptFailureHandler;
import dev.zcproxy.inbound.netty.server.Drain;
import dev.zcproxy.inbound.netty.server.ProxyChannelInitializer;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.server.Transports;
import dev.zcproxy.inbound.netty.tls.TlsFrontEnd;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import dev.zcproxy.inbound.netty.tunnel.LiveTunnelRegistry;
import dev.zcproxy.inbound.netty.upstream.DnsDestinationGate;
import dev.zcproxy.inbound.netty.upstream.NettyOutboundConnector;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's single TCP port: every client connection is accepted here, its protocol detected from
 * the first byte, its handshake run, and its tunnel relayed. Built from the validated settings and
 * the two domain use cases; owns its threads, which exist only between {@link #start()} and {@link
 * #shutdown(Duration)}.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  /** With {@code listen} on port 0 and QUIC on: how many TCP ports to try for a free UDP twin. */
  private static final int PORT_ATTEMPTS = 5;

  private enum State {
    NEW,
    RUNNING,
    STOPPED
  }

  private final ProxyServerSettings settings;
  private final AuthenticateClientUseCase authentication;
  private final AuthorizeConnectionUseCase authorization;
  private final MeterRegistry registry;
  private final Optional<SocketRelay> socketRelay;
  private final boolean preferNativeTransport;
  private final LiveTunnelRegistry tunnels;
  private final AccessLog accessLog;

  private State state = State.NEW;
  private Transport transport;
  private EventLoopGroup acceptor;
  private MicrometerProxyMetrics metrics;
  private DnsDestinationGate gate;
  private ExecutorService authenticationExecutor;
  private volatile RelaySelector relay;
  private ChannelGroup clients;
  private Channel listener;
  private volatile TlsFrontEnd tls; // null: TLS is not configured, or not started
  private volatile Http2FrontEnd http2;
  private volatile Http3FrontEnd http3; // null: QUIC is off, or not started
  private QuicListener quic;
  private QuicMetrics quicMetrics;

  public ProxyServer(
      ProxyServerSettings settings,
      AuthenticateClientUseCase authentication,
      AuthorizeConnectionUseCase authorization,
      MeterRegistry registry) {
    this(settings, authentication, authorization, registry, Optional.empty(), true);
  }

  /**
   * A server that can hand plain TCP tunnels to {@code socketRelay} (the splice relay), as the
   * settings' {@code relay} mode allows.
   *
   * @throws IllegalArgumentException when the mode is {@code splice} and {@code socketRelay} does
   *     not work here, saying why
   */
  public ProxyServer(
      ProxyServerSettings settings,
      AuthenticateClientUseCase authentication,
      AuthorizeConnectionUseCase authorization,
      MeterRegistry registry,
      SocketRelay socketRelay) {
    this(
        settings,
        authentication,
        authorization,
        registry,
        Optional.of(Objects.requireNonNull(socketRelay, "socketRelay")),
        true);
  }

  /**
   * @param preferNativeTransport false forces NIO even where epoll is available
   */
  public ProxyServer(
      ProxyServerSettings settings,
      AuthenticateClientUseCase authentication,
      AuthorizeConnectionUseCase authorization,
      MeterRegistry registry,
      Optional<SocketRelay> socketRelay,
      boolean preferNativeTransport) {
    this(
        settings,
        authentication,
        authorization,
        registry,
        socketRelay,
        preferNativeTransport,
        AccessLog.DISABLED);
  }

  /**
   * @param preferNativeTransport false forces NIO even where epoll is available
   * @param accessLog told every finished tunnel, forwarded request, UDP association and refusal
   *     ({@link AccessLog#DISABLED} for none); its writer must never block
   */
  public ProxyServer(
      ProxyServerSettings settings,
      AuthenticateClientUseCase authentication,
      AuthorizeConnectionUseCase authorization,
      MeterRegistry registry,
      Optional<SocketRelay> socketRelay,
      boolean preferNativeTransport,
      AccessLog accessLog) {
    this.accessLog = Objects.requireNonNull(accessLog, "accessLog");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.authentication = Objects.requireNonNull(authentication, "authentication");
    this.authorization = Objects.requireNonNull(authorization, "authorization");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.socketRelay = Objects.requireNonNull(socketRelay, "socketRelay");
    this.preferNativeTransport = preferNativeTransport;
    this.tunnels = new LiveTunnelRegistry(registry);
    RelaySelector.refusal(settings.relay(), socketRelay)
        .ifPresent(
            reason -> {
              throw new IllegalArgumentException(reason);
            });
    if (settings.tls().identity().isPresent()) {
      settings.tls().provider().resolve(); // refuse now, not at start, if it cannot load here
    }
  }

  /**
   * Binds the listening socket and starts serving.
   *
   * @return the bound address (with the actual port when the settings asked for port 0)
   * @throws IllegalStateException if the address cannot be bound, naming it, or if already started
   */
  public synchronized InetSocketAddress start() {
    if (state != State.NEW) {
      throw new IllegalStateException("the proxy server was already started");
    }
    state = State.RUNNING;
    transport = Transports.create(preferNativeTransport, 0);
    acceptor = Transports.newGroup(transport, 1, "zcproxy-accept");
    List<String> protocols = new ArrayList<>(ProxyChannelInitializer.protocols());
    if (settings.quic().enabled()) {
      protocols.addAll(Http3FrontEnd.protocols());
    }
    metrics =
        new MicrometerProxyMetrics(
            registry, protocols, RelaySelector.relayNames(settings.relay(), socketRelay));
    relay =
        RelaySelector.create(settings.relay(), socketRelay, settings.timeouts().idle(), metrics);
    gate =
        new DnsDestinationGate(
            transport,
            new AuthorizeResolvedDestinationService(authorization),
            settings.timeouts().connect());
    DescriptorExhaustion exhaustion = new DescriptorExhaustion(registry);
    authenticationExecutor =
        ClientAuthentication.newExecutor(Math.max(2, Runtime.getRuntime().availableProcessors()));
    ConnectionTracker tracker = ConnectionTracker.of(settings);
    ProxyContext context =
        new ProxyContext(
            settings,
            transport,
            authentication,
            authenticationExecutor,
            gate,
            new NettyOutboundConnector(transport, settings.timeouts().connect(), exhaustion),
            relay,
            tracker,
            metrics,
            tunnels,
            new AccessLines(accessLog));
    clients = new DefaultChannelGroup("zcproxy-clients", GlobalEventExecutor.INSTANCE);
    tls =
        settings
            .tls()
            .identity()
            .map(identity -> new TlsFrontEnd(identity, settings.tls().provider(), metrics))
            .orElse(null);
    ProxyChannelInitializer initializer =
        new ProxyChannelInitializer(context, tracker, clients, tls);
    http2 = initializer.http2();

    ServerBootstrap server =
        new ServerBootstrap()
            .group(acceptor, transport.workers())
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .handler(AcceptFailureHandler.installer(exhaustion))
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(initializer);
    InetSocketAddress address;
    for (int attempt = 1; ; attempt++) {
      ChannelFuture bound = server.bind(settings.listen()).awaitUninterruptibly();
      if (!bound.isSuccess()) {
        Throwable cause = bound.cause();
        releaseResources();
        state = State.STOPPED;
        throw new IllegalStateException(
            "cannot listen on " + hostAndPort(settings.listen()) + ": " + cause.getMessage(),
            cause);
      }
      listener = bound.channel();
      address = (InetSocketAddress) listener.localAddress();
      if (!settings.quic().enabled()) {
        break;
      }
      try {
        startQuic(context, initializer, address);
        break;
      } catch (IllegalStateException udpTaken) {
        listener.close().awaitUninterruptibly();
        // Port 0 means any port: one whose number is free over UDP as well, then.
        if (settings.listen().getPort() != 0 || attempt == PORT_ATTEMPTS) {
          releaseResources();
          state = State.STOPPED;
          throw udpTaken;
        }
      }
    }
    logStart(address);
    return address;
  }

  /**
   * QUIC on the UDP port of the number TCP got: same address, same certificate (TLS is required).
   *
   * @throws IllegalStateException when the UDP port cannot be bound
   */
  private void startQuic(
      ProxyContext context, ProxyChannelInitializer initializer, InetSocketAddress tcp) {
    if (quicMetrics == null) {
      quicMetrics = new QuicMetrics(registry);
    }
    Http3FrontEnd front = new Http3FrontEnd(context, initializer.forwarding(), quicMetrics);
    quic =
        QuicListener.bind(
            transport,
            new InetSocketAddress(settings.listen().getAddress(), tcp.getPort()),
            settings,
            tls.identity(),
            quicMetrics,
            front.connectionHandler());
    http3 = front;
  }

  /**
   * Stops gracefully: closes the listening socket at once, lets established tunnels and running
   * handshakes finish until {@code drain} has passed, then closes whatever is left. Returns when
   * every connection and thread is gone. Calling it again, or before {@link #start()}, does
   * nothing.
   */
  public synchronized void shutdown(Duration drain) {
    Objects.requireNonNull(drain, "drain");
    if (state != State.RUNNING) {
      state = State.STOPPED;
      return;
    }
    state = State.STOPPED;
    listener.close().awaitUninterruptibly();
    Drain event = new Drain(drain);
    clients.forEach(client -> client.pipeline().fireUserEventTriggered(event));
    if (quic != null) {
      // GOAWAY on each (its session closes it once its streams are done); the sockets stay open
      // until then, since every packet of every QUIC connection arrives on them
      quic.connections()
          .forEach(
              connection ->
                  connection
                      .eventLoop()
                      .execute(() -> connection.pipeline().fireUserEventTriggered(event)));
      clients.addAll(quic.connections());
    }
    int open = clients.size();
    if (open > 0 && drain.isPositive()) {
      log.info("stopping: waiting up to {} for {} connections to finish", drain, open);
      if (!clients.newCloseFuture().awaitUninterruptibly(drain.toMillis())) {
        log.info("stopping: closing {} connections still open", clients.size());
      }
    }
    clients.close().awaitUninterruptibly();
    if (quic != null) {
      quic.close();
    }
    releaseResources();
    log.info("stopped");
  }

  /** Same as {@code shutdown(Duration.ZERO)}: every connection is closed at once. */
  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }

  /**
   * The live tunnels, for whoever installs policies: each new policy passed to it closes the
   * tunnels it refuses.
   */
  public LiveTunnelRegistry connectionRegistry() {
    return tunnels;
  }

  /**
   * Serves TLS with {@code next} from the next accepted connection on (a renewed certificate);
   * connections already up keep the identity they started with.
   *
   * @throws IllegalArgumentException when the provider cannot serve with {@code next}; the current
   *     identity stays in force
   * @throws IllegalStateException when the server is not running with TLS
   */
  public void reloadTls(TlsIdentity next) {
    Objects.requireNonNull(next, "next");
    TlsFrontEnd current = tls;
    if (current == null) {
      throw new IllegalStateException("TLS is not configured on this server, or it is not running");
    }
    current.replace(next);
    if (quic != null) {
      quic.replaceIdentity(next);
    }
    log.info(
        "TLS identity replaced: certificate {}, SHA-256 {}", next.subject(), next.fingerprint());
  }

  /** The UDP address QUIC is served on; empty when QUIC is off or the server is not running. */
  public Optional<InetSocketAddress> quicAddress() {
    QuicListener current = quic;
    return current == null ? Optional.empty() : Optional.of(current.address());
  }

  /** QUIC's own meters (drops by reason and the like); empty when QUIC is off or not started. */
  public Optional<QuicMetrics> quicMetrics() {
    return Optional.ofNullable(quicMetrics);
  }

  /** {@code openssl} or {@code jdk} while serving TLS; empty without TLS or before start. */
  public Optional<String> tlsProviderName() {
    return Optional.ofNullable(tls).map(TlsFrontEnd::providerName);
  }

  /**
   * Tunnels currently relaying (CONNECT and BIND), and HTTP/2 streams relaying (CONNECT tunnels and
   * forwarded requests).
   */
  public int activeTunnels() {
    RelaySelector current = relay;
    Http2FrontEnd streams = http2;
    Http3FrontEnd quicStreams = http3;
    return (current == null ? 0 : current.activeTunnels())
        + (streams == null ? 0 : streams.activeStreams())
        + (quicStreams == null ? 0 : quicStreams.activeStreams());
  }

  private void releaseResources() {
    // The resolvers' sockets live on the worker loops: close them while the loops still run.
    gate.close();
    authenticationExecutor.shutdownNow();
    long timeout = LOOP_SHUTDOWN_TIMEOUT.toMillis();
    acceptor.shutdownGracefully(0, timeout, TimeUnit.MILLISECONDS);
    transport.workers().shutdownGracefully(0, timeout, TimeUnit.MILLISECONDS);
    acceptor.terminationFuture().awaitUninterruptibly();
    transport.workers().terminationFuture().awaitUninterruptibly();
    metrics.close();
    if (quicMetrics != null) {
      quicMetrics.close();
    }
  }

  private void logStart(InetSocketAddress address) {
    Throwable noEpoll = Transports.epollUnavailabilityCause();
    if (Transports.NIO.equals(transport.name()) && preferNativeTransport && noEpoll != null) {
      log.info("epoll is not available ({}); using NIO", noEpoll.toString());
    }
    log.info(RelaySelector.describe(settings.relay(), socketRelay));
    if (tls != null) {
      TlsIdentity identity = tls.identity();
      log.info(
          "TLS on ({}): clients may speak TLS first (ALPN h2, http/1.1); certificate {}, SHA-256 {}",
          tls.providerName(),
          identity.subject(),
          identity.fingerprint());
    }
    log.info("listening on {} ({} transport)", hostAndPort(address), transport.name());
    if (quic != null) {
      log.info(
          "QUIC on UDP {} (ALPN h3; {} socket(s)): HTTP/3 CONNECT, forwarding and CONNECT-UDP",
          hostAndPort(quic.address()),
          quic.sockets());
    }
  }

  private static String hostAndPort(InetSocketAddress address) {
    String host =
        address.getAddress() != null
            ? address.getAddress().getHostAddress()
            : address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
