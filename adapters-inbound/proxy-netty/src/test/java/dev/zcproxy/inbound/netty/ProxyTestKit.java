package dev.zcproxy.inbound.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.AuthResult;
import dev.zcproxy.domain.auth.AuthenticateCommand;
import dev.zcproxy.domain.auth.Credentials;
import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.policy.ConnectRequest;
import dev.zcproxy.domain.policy.Decision;
import dev.zcproxy.domain.port.in.AuthenticateClientUseCase;
import dev.zcproxy.domain.port.in.AuthorizeConnectionUseCase;
import dev.zcproxy.inbound.netty.handshake.ConnectionTracker;
import dev.zcproxy.inbound.netty.handshake.PipelineNames;
import dev.zcproxy.inbound.netty.http.h1.HttpFrontEnd;
import dev.zcproxy.inbound.netty.metrics.MicrometerProxyMetrics;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.server.ProxyChannelInitializer;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.socks.v4.Socks4FrontEnd;
import dev.zcproxy.inbound.netty.socks.v5.Socks5FrontEnd;
import dev.zcproxy.inbound.netty.tls.TlsFrontEnd;
import dev.zcproxy.inbound.netty.tunnel.LiveTunnelRegistry;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Fakes and helpers shared by the front end's tests. */
public final class ProxyTestKit {
  public static final InetSocketAddress CLIENT_ADDRESS = new InetSocketAddress("192.0.2.10", 40000);
  static final InetSocketAddress PROXY_ADDRESS = new InetSocketAddress("192.0.2.1", 1080);
  static final InetSocketAddress UPSTREAM_LOCAL = new InetSocketAddress("198.51.100.7", 50123);

  /** What the fake gate "resolves" every host name to. */
  static final InetAddress RESOLVED = InetAddress.ofLiteral("203.0.113.5");

  /**
   * Generous, because the test machine may be busy: timeouts here are safety nets, and the tests
   * that exercise them move an embedded clock instead of waiting.
   */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Every handler of every protocol that only serves the handshake, with the guard and detector.
   */
  public static final List<String> HANDSHAKE_HANDLERS =
      Stream.of(
              List.of(PipelineNames.HANDSHAKE_TIMEOUT, PipelineNames.PROTOCOL_DETECTOR),
              Socks4FrontEnd.HANDSHAKE_HANDLERS,
              Socks5FrontEnd.HANDSHAKE_HANDLERS,
              HttpFrontEnd.HANDSHAKE_HANDLERS)
          .flatMap(List::stream)
          .toList();

  private ProxyTestKit() {}

  /** Settings for tests. */
  public static ProxyServerSettings settings() {
    return settings(4096, 0, 0, 0);
  }

  public static ProxyServerSettings settings(
      int maxHandshakeBytes, int maxConnections, int maxPerSource, int maxPerUser) {
    return new ProxyServerSettings(
        new InetSocketAddress("127.0.0.1", 0),
        ProxyServerSettings.RelayMode.AUTO,
        ProxyServerSettings.Timeouts.of(
            HANDSHAKE_TIMEOUT,
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            Duration.ofSeconds(10)),
        ProxyServerSettings.Limits.of(maxHandshakeBytes, maxConnections, maxPerSource, maxPerUser));
  }

  /** The realm whose principals {@link FakeAuthentication} maps to its users. */
  public static final String KERBEROS_REALM = "ZCPROXY.TEST";

  /**
   * Users alice/secret and bob/hunter2, also as Kerberos principals of {@link #KERBEROS_REALM};
   * anonymous access switchable; throttling switchable.
   */
  public static final class FakeAuthentication implements AuthenticateClientUseCase {
    private final Map<String, String> passwords =
        new ConcurrentHashMap<>(Map.of("alice", "secret", "bob", "hunter2"));
    public final List<AuthenticateCommand> calls = new CopyOnWriteArrayList<>();
    public final List<String> callerThreads = new CopyOnWriteArrayList<>();
    volatile boolean anonymous;
    public volatile boolean throttled;

    public FakeAuthentication(boolean anonymous) {
      this.anonymous = anonymous;
    }

    @Override
    public AuthResult authenticate(AuthenticateCommand command) {
      calls.add(command);
      callerThreads.add(Thread.currentThread().getName());
      if (throttled) {
        return new AuthResult.Throttled(Duration.ofSeconds(1));
      }
      return switch (command.credentials()) {
        case Credentials.None none ->
            anonymous
                ? new AuthResult.Authenticated(Principal.ANONYMOUS)
                : new AuthResult.Rejected(AuthResult.Reason.ANONYMOUS_NOT_ALLOWED);
        case Credentials.UsernamePassword login -> {
          String expected = passwords.get(login.username());
          if (expected == null) {
            yield new AuthResult.Rejected(AuthResult.Reason.UNKNOWN_USER);
          }
          yield expected.equals(login.password())
              ? new AuthResult.Authenticated(
                  new Principal.UserPrincipal(login.username(), Set.of("staff")))
              : new AuthResult.Rejected(AuthResult.Reason.BAD_PASSWORD);
        }
        case Credentials.KerberosPrincipal kerberos -> {
          String user = kerberos.name().replaceFirst("@" + KERBEROS_REALM + "$", "");
          if (user.equals(kerberos.name())) {
            yield new AuthResult.Rejected(AuthResult.Reason.FOREIGN_REALM);
          }
          yield passwords.containsKey(user)
              ? new AuthResult.Authenticated(new Principal.UserPrincipal(user, Set.of("staff")))
              : new AuthResult.Rejected(AuthResult.Reason.UNKNOWN_USER);
        }
      };
    }

    @Override
    public boolean anonymousAllowed() {
      return anonymous;
    }
  }

  /** A policy that allows what {@code allowed} accepts, naming rule 1 either way. */
  public static AuthorizeConnectionUseCase policy(Predicate<ConnectRequest> allowed) {
    return (principal, request) ->
        allowed.test(request)
            ? new Decision.Allow(1)
            : new Decision.Deny(Decision.Reason.DENIED_BY_RULE, 1, "denied by rule 1");
  }

  /** A client channel that looks like a TCP connection from {@link #CLIENT_ADDRESS}. */
  public static final class ClientChannel extends EmbeddedChannel {
    ClientChannel(io.netty.channel.ChannelHandler... handlers) {
      super(handlers);
    }

    @Override
    protected SocketAddress remoteAddress0() {
      return CLIENT_ADDRESS;
    }

    @Override
    protected SocketAddress localAddress0() {
      return PROXY_ADDRESS;
    }
  }

  /** An upstream connection whose local address is {@code local}. */
  public static final class UpstreamChannel extends EmbeddedChannel {
    private final InetSocketAddress local;

    UpstreamChannel(InetSocketAddress local) {
      this.local = local;
    }

    @Override
    protected SocketAddress localAddress0() {
      return local;
    }
  }

  public record RelayStart(Channel client, Channel upstream, String protocol) {}

  /**
   * The front end's pipeline on embedded channels: real handlers, real metrics, real limits; a fake
   * gate (IP literals as they are, every name "resolves" to {@link #RESOLVED}), a fake connector
   * handing out {@link UpstreamChannel}s and a relay that only records.
   */
  public static final class EmbeddedProxy {
    public final FakeAuthentication authentication;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MicrometerProxyMetrics metrics =
        new MicrometerProxyMetrics(
            registry, ProxyChannelInitializer.protocols(), List.of(ProxyMetrics.COPY));
    final LiveTunnelRegistry tunnels = new LiveTunnelRegistry(registry);
    public final ProxyServerSettings settings;
    public final List<Destination> gateRequests = new ArrayList<>();
    public final List<RelayStart> relayed = new ArrayList<>();
    public final List<UpstreamChannel> upstreams = new ArrayList<>();
    final ConnectionTracker tracker;
    final ProxyContext context;

    /** When set, the gate refuses with this kind. */
    public ProxyRefusal.Kind gateRefusal;

    /** When set, the connector fails with this kind. */
    public ProxyRefusal.Kind connectRefusal;

    /** When set, the gate's answer waits for the test to complete this promise's twin. */
    public boolean deferGate;

    Promise<AuthorizedDestination> pendingGate;
    AuthorizedDestination pendingAnswer;
    public InetSocketAddress upstreamLocal = UPSTREAM_LOCAL;
    public InetAddress resolved = RESOLVED;

    public EmbeddedProxy(boolean anonymous) {
      this(anonymous, settings());
    }

    public EmbeddedProxy(boolean anonymous, ProxyServerSettings settings) {
      this.authentication = new FakeAuthentication(anonymous);
      this.settings = settings;
      this.tracker = ConnectionTracker.of(settings);
      this.context =
          new ProxyContext(
              settings,
              null,
              authentication,
              Runnable::run,
              this::gate,
              this::connect,
              (client, upstream, protocol, end) ->
                  relayed.add(new RelayStart(client, upstream, protocol)),
              tracker,
              metrics,
              tunnels);
    }

    public ClientChannel newClient() {
      return new ClientChannel(
          new ProxyChannelInitializer(
              context,
              tracker,
              new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE),
              context
                  .settings()
                  .tls()
                  .identity()
                  .map(
                      identity ->
                          new TlsFrontEnd(
                              identity, context.settings().tls().provider(), context.metrics()))
                  .orElse(null)));
    }

    private Future<AuthorizedDestination> gate(
        EventLoop loop,
        Principal principal,
        Destination destination,
        dev.zcproxy.domain.model.Protocol protocol) {
      gateRequests.add(destination);
      if (gateRefusal != null) {
        return loop.newFailedFuture(new ProxyRefusal(gateRefusal, "fake gate says " + gateRefusal));
      }
      InetAddress address = destination.literal() != null ? destination.literal() : resolved;
      AuthorizedDestination answer =
          new AuthorizedDestination(
              principal, destination, new InetSocketAddress(address, destination.port()), 1);
      if (deferGate) {
        pendingGate = loop.newPromise();
        pendingAnswer = answer;
        return pendingGate;
      }
      return loop.newSucceededFuture(answer);
    }

    public void completeGate() {
      pendingGate.setSuccess(pendingAnswer);
    }

    private Future<Channel> connect(Channel inbound, AuthorizedDestination destination) {
      if (connectRefusal != null) {
        return inbound
            .eventLoop()
            .newFailedFuture(new ProxyRefusal(connectRefusal, "fake connector says no"));
      }
      UpstreamChannel upstream = new UpstreamChannel(upstreamLocal);
      upstreams.add(upstream);
      return inbound.eventLoop().newSucceededFuture(upstream);
    }

    public double counter(String name, String... tags) {
      var counter = registry.find(name).tags(tags).counter();
      return counter == null ? 0 : counter.count();
    }

    public long handshakes(String protocol) {
      var timer = registry.find("zcproxy.handshake").tag("protocol", protocol).timer();
      return timer == null ? 0 : timer.count();
    }
  }

  /** Moves the embedded clock past the handshake timeout and runs what became due. */
  public static void passHandshakeTimeout(EmbeddedChannel channel) {
    channel.advanceTimeBy(HANDSHAKE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    channel.runScheduledPendingTasks();
  }

  /** How a test hands bytes to a channel: all at once, or one byte per read. */
  public enum Delivery {
    WHOLE,
    BYTE_BY_BYTE;

    /** Returns the buffers it created, so the test can check they were all released. */
    public List<ByteBuf> send(EmbeddedChannel channel, byte[] bytes) {
      List<ByteBuf> sent = new ArrayList<>();
      if (this == WHOLE) {
        sent.add(deliver(channel, bytes, 0, bytes.length));
      } else {
        for (int i = 0; i < bytes.length && channel.isOpen(); i++) {
          sent.add(deliver(channel, bytes, i, 1));
        }
      }
      return sent;
    }

    private static ByteBuf deliver(EmbeddedChannel channel, byte[] bytes, int offset, int length) {
      ByteBuf buffer =
          PooledByteBufAllocator.DEFAULT.buffer(length).writeBytes(bytes, offset, length);
      if (channel.isOpen()) {
        channel.writeInbound(buffer);
      } else {
        buffer.release();
      }
      return buffer;
    }
  }

  public static byte[] hex(String text) {
    return HexFormat.of().parseHex(text.replace(" ", ""));
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** Everything the channel wrote so far, as hex; the buffers are released. */
  public static String written(EmbeddedChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object message; (message = channel.readOutbound()) != null; ) {
      ByteBuf buffer = (ByteBuf) message;
      byte[] bytes = new byte[buffer.readableBytes()];
      buffer.readBytes(bytes);
      buffer.release();
      out.writeBytes(bytes);
    }
    return HexFormat.of().formatHex(out.toByteArray());
  }

  /** The end of every embedded test: nothing left over, nothing leaked. */
  public static void assertClean(EmbeddedChannel channel, List<ByteBuf> sent) {
    assertThat(channel.inboundMessages()).isEmpty();
    assertThat(channel.outboundMessages()).isEmpty();
    channel.finishAndReleaseAll();
    for (ByteBuf buffer : sent) {
      assertThat(buffer.refCnt()).as("every buffer handed to the pipeline is released").isZero();
    }
  }
}
