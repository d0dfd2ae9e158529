package dev.zcproxy.inbound.netty.socks.v5.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.domain.auth.Principal;
import dev.zcproxy.domain.model.Protocol;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.SocketTestKit;
import dev.zcproxy.inbound.netty.command.BindCommand;
import dev.zcproxy.inbound.netty.command.CommandReplies;
import dev.zcproxy.inbound.netty.metrics.ProxyMetrics;
import dev.zcproxy.inbound.netty.relay.Relay;
import dev.zcproxy.inbound.netty.relay.TunnelEnd;
import dev.zcproxy.inbound.netty.server.ProxyContext;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.socks.v5.Socks5Address;
import dev.zcproxy.inbound.netty.tunnel.LiveTunnelRegistry;
import dev.zcproxy.inbound.netty.udp.UdpSession;
import dev.zcproxy.inbound.netty.upstream.AuthorizedDestination;
import dev.zcproxy.inbound.netty.upstream.Destination;
import dev.zcproxy.inbound.netty.upstream.DestinationGate;
import dev.zcproxy.inbound.netty.upstream.ProxyRefusal;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Real loopback sockets around {@link BindCommand} and {@link UdpSession}, with the rest of the
 * proxy faked: a server whose accepted connections go straight to the command under test, a gate
 * that resolves from a table and authorizes by a predicate, a relay that just copies, and replies
 * in a tiny encoding of their own ({@code 0x00} + SOCKS5 address block for success, {@code 0x01} +
 * the refusal's ordinal for failure).
 */
public final class UdpAssociationTestKit implements AutoCloseable {

  /** How long a blocking read or accept may wait: only a hang should hit it, not a busy machine. */
  static final int IO_TIMEOUT_MILLIS = SocketTestKit.SAFETY_NET_MILLIS;

  public static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
  public static final InetAddress OTHER_LOOPBACK = InetAddress.ofLiteral("127.0.0.2");
  static final InetAddress LOOPBACK6 = InetAddress.ofLiteral("::1");

  public enum TestTransport {
    NIO,
    EPOLL
  }

  /** What the server runs on each accepted connection, as a SOCKS handler would after a request. */
  public interface Command {
    void start(ChannelHandlerContext ctx, ProxyContext context, CommandReplies replies);
  }

  /** A reply as the client reads it. */
  public record Reply(InetSocketAddress address, ProxyRefusal.Kind refusal) {
    public boolean succeeded() {
      return refusal == null;
    }
  }

  final EventLoopGroup group;
  final Transport transport;
  final FakeGate gate = new FakeGate();
  final RecordingMetrics metrics = new RecordingMetrics();
  public final CopyingRelay relay = new CopyingRelay();
  final LiveTunnelRegistry tunnels =
      new LiveTunnelRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
  private final List<Channel> servers = new ArrayList<>();
  private ProxyServerSettings settings;
  private boolean allowHalfClosure;

  public UdpAssociationTestKit(TestTransport kind) {
    if (kind == TestTransport.EPOLL) {
      group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      transport =
          new Transport(
              "epoll",
              group,
              EpollServerSocketChannel.class,
              EpollSocketChannel.class,
              EpollDatagramChannel.class);
    } else {
      group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      transport =
          new Transport(
              "nio",
              group,
              NioServerSocketChannel.class,
              NioSocketChannel.class,
              NioDatagramChannel.class);
    }
    settings = ProxyServerSettings.defaults(new InetSocketAddress(LOOPBACK, 0));
  }

  UdpAssociationTestKit idleTimeout(Duration timeout) {
    settings = withTimeouts(timeout, settings.timeouts().bindAccept());
    return this;
  }

  public UdpAssociationTestKit bindAcceptTimeout(Duration timeout) {
    settings = withTimeouts(settings.timeouts().idle(), timeout);
    return this;
  }

  /** Accepted connections report a client's half-close as an event rather than closing. */
  public UdpAssociationTestKit allowHalfClosure() {
    allowHalfClosure = true;
    return this;
  }

  private ProxyServerSettings withTimeouts(Duration idle, Duration bindAccept) {
    return new ProxyServerSettings(
        settings.listen(),
        settings.relay(),
        ProxyServerSettings.Timeouts.of(
            settings.timeouts().handshake(), idle, settings.timeouts().connect(), bindAccept),
        ProxyServerSettings.Limits.of(settings.limits().maxHandshakeBytes(), 0, 0, 0));
  }

  ProxyContext context(Transport transport) {
    return new ProxyContext(
        settings, transport, null, null, gate, null, relay, null, metrics, tunnels);
  }

  /** Serves {@code command} on {@code address}, port 0, and returns where. */
  public InetSocketAddress serve(InetAddress address, Command command) {
    return serve(address, UnaryOperator.identity(), command);
  }

  /** Like {@link #serve(InetAddress, Command)}, with the commands' transport altered. */
  public InetSocketAddress serve(
      InetAddress address, UnaryOperator<Transport> alterTransport, Command command) {
    ProxyContext context = context(alterTransport.apply(transport));
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, allowHalfClosure)
            .childHandler(new CommandStarter(command, context, accepted))
            .bind(new InetSocketAddress(address, 0))
            .syncUninterruptibly()
            .channel();
    servers.add(server);
    return (InetSocketAddress) server.localAddress();
  }

  /** The server side of the next accepted connection. */
  Channel nextAccepted() throws InterruptedException {
    Channel channel = accepted.poll(IO_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    assertThat(channel).as("accepted connection").isNotNull();
    return channel;
  }

  /** A UDP echo server on {@code address}: answers every datagram to its sender. */
  UdpEcho echo(InetAddress address) {
    UdpEcho echo = new UdpEcho();
    Channel channel =
        new Bootstrap()
            .group(group)
            .channel(transport.datagramChannel())
            .handler(echo)
            .bind(new InetSocketAddress(address, 0))
            .syncUninterruptibly()
            .channel();
    servers.add(channel);
    echo.address = (InetSocketAddress) channel.localAddress();
    return echo;
  }

  public static Socket connect(InetSocketAddress address) throws IOException {
    Socket socket = new Socket();
    socket.connect(address, IO_TIMEOUT_MILLIS);
    socket.setSoTimeout(IO_TIMEOUT_MILLIS);
    return socket;
  }

  public static Socket connectFrom(InetAddress source, InetSocketAddress address)
      throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(source, 0));
    socket.connect(address, IO_TIMEOUT_MILLIS);
    socket.setSoTimeout(IO_TIMEOUT_MILLIS);
    return socket;
  }

  public static Reply readReply(Socket socket) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    int status = in.readUnsignedByte();
    if (status == 0x01) {
      return new Reply(null, ProxyRefusal.Kind.values()[in.readUnsignedByte()]);
    }
    assertThat(status).as("reply status").isZero();
    int atyp = in.readUnsignedByte();
    byte[] ip = new byte[atyp == Socks5Address.IPV6 ? 16 : 4];
    in.readFully(ip);
    int port = in.readUnsignedShort();
    return new Reply(new InetSocketAddress(InetAddress.getByAddress(ip), port), null);
  }

  /** Open file descriptors of this JVM, to check that nothing leaks. */
  public static long openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    servers.forEach(Channel::close);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Hands each accepted connection to the command, with AUTO_READ off and no handler left. */
  @Sharable
  private static final class CommandStarter extends ChannelInboundHandlerAdapter {
    private final Command command;
    private final ProxyContext context;
    private final Queue<Channel> accepted;

    CommandStarter(Command command, ProxyContext context, Queue<Channel> accepted) {
      this.command = command;
      this.context = context;
      this.accepted = accepted;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.pipeline().remove(this);
      accepted.add(ctx.channel());
      command.start(ctx, context, new EncodedReplies(ctx.channel()));
    }
  }

  /** Writes replies in the kit's encoding; closes after a failure, as the contract says. */
  private static final class EncodedReplies implements CommandReplies {
    private final Channel channel;

    EncodedReplies(Channel channel) {
      this.channel = channel;
    }

    @Override
    public void success(InetSocketAddress address) {
      var reply = channel.alloc().buffer().writeByte(0x00);
      Socks5Address.write(reply, address);
      channel.writeAndFlush(reply);
    }

    @Override
    public void failure(ProxyRefusal.Kind kind) {
      channel
          .writeAndFlush(channel.alloc().buffer().writeByte(0x01).writeByte(kind.ordinal()))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Resolves names from a table and literals as they are; authorizes by a predicate. */
  static final class FakeGate implements DestinationGate {
    final Map<String, InetAddress> hosts = new ConcurrentHashMap<>();
    final Queue<Destination> asked = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
    volatile Predicate<InetSocketAddress> policy = address -> true;
    volatile boolean holdDecisions;

    @Override
    public Future<AuthorizedDestination> resolveAndAuthorize(
        EventLoop loop, Principal principal, Destination destination, Protocol protocol) {
      assertThat(protocol).isEqualTo(Protocol.UDP);
      asked.add(destination);
      InetAddress ip =
          destination.literal() != null ? destination.literal() : hosts.get(destination.host());
      if (ip == null) {
        return loop.newFailedFuture(
            new ProxyRefusal(ProxyRefusal.Kind.HOST_UNREACHABLE, "unknown host"));
      }
      InetSocketAddress address = new InetSocketAddress(ip, destination.port());
      if (!policy.test(address)) {
        return loop.newFailedFuture(new ProxyRefusal(ProxyRefusal.Kind.NOT_ALLOWED, "refused"));
      }
      AuthorizedDestination authorized =
          new AuthorizedDestination(principal, destination, address, 1);
      if (!holdDecisions) {
        return loop.newSucceededFuture(authorized);
      }
      Promise<AuthorizedDestination> decision = loop.newPromise();
      held.add(() -> decision.setSuccess(authorized));
      return decision;
    }

    long askedFor(Destination destination) {
      return asked.stream().filter(destination::equals).count();
    }

    /** Completes the decisions held so far. */
    void decideHeld() {
      for (Runnable decide = held.poll(); decide != null; decide = held.poll()) {
        decide.run();
      }
    }
  }

  static final class RecordingMetrics implements ProxyMetrics {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    long count(String key) {
      LongAdder adder = counts.get(key);
      return adder == null ? 0 : adder.sum();
    }

    private void add(String key, long amount) {
      counts.computeIfAbsent(key, k -> new LongAdder()).add(amount);
    }

    @Override
    public void connectionAccepted(String protocol) {
      add("accepted:" + protocol, 1);
    }

    @Override
    public void connectionRejected(String protocol, String reason) {
      add("rejected:" + protocol + ":" + reason, 1);
    }

    @Override
    public void authenticationFailed(String protocol, String reason) {
      add("authFailed:" + protocol + ":" + reason, 1);
    }

    @Override
    public void handshakeCompleted(String protocol, long nanos) {
      add("handshake:" + protocol, 1);
    }

    @Override
    public void tunnelOpened(String protocol, String relay) {
      add("opened:" + protocol, 1);
    }

    @Override
    public void tunnelClosed(String protocol, String relay) {
      add("closed:" + protocol, 1);
    }

    @Override
    public void bytesRelayed(String protocol, String relay, String direction, long bytes) {
      add("bytes:" + protocol + ":" + direction, bytes);
    }
  }

  /** Copies bytes both ways and closes both sides when either closes: enough for these tests. */
  public static final class CopyingRelay implements Relay {
    public final Queue<String> started = new ConcurrentLinkedQueue<>();

    @Override
    public void start(Channel client, Channel upstream, String protocol, TunnelEnd end) {
      assertThat(client.config().isAutoRead()).isFalse();
      assertThat(upstream.config().isAutoRead()).isFalse();
      started.add(protocol);
      client.pipeline().addLast(new Copy(upstream));
      upstream.pipeline().addLast(new Copy(client));
      client.config().setAutoRead(true);
      upstream.config().setAutoRead(true);
    }

    private static final class Copy extends ChannelInboundHandlerAdapter {
      private final Channel to;

      Copy(Channel to) {
        this.to = to;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        to.writeAndFlush(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        to.close();
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
      }
    }
  }

  /** Echoes datagrams and remembers who sent them. */
  static final class UdpEcho extends SimpleChannelInboundHandler<DatagramPacket> {
    final Queue<InetSocketAddress> senders = new ConcurrentLinkedQueue<>();
    volatile InetSocketAddress address;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      senders.add(packet.sender());
      ctx.writeAndFlush(new DatagramPacket(packet.content().retain(), packet.sender()));
    }
  }

  /**
   * A server channel class that cannot be instantiated, so opening one fails the way it does when
   * the process has run out of descriptors: the bootstrap's future fails, on another executor.
   */
  public abstract static class UnopenableServerChannel implements ServerSocketChannel {}

  /** A datagram channel class that cannot be instantiated; see {@link UnopenableServerChannel}. */
  public abstract static class UnopenableDatagramChannel implements DatagramChannel {}
}
