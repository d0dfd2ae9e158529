package dev.zcproxy.inbound.netty.quic;

import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.handshake.ConnectionTracker;
import dev.zcproxy.inbound.netty.metrics.QuicMetrics;
import dev.zcproxy.inbound.netty.server.Transport;
import dev.zcproxy.inbound.netty.tls.TlsIdentity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * QUIC on UDP, on the port number the proxy's TCP listener has: the sockets, the QUIC codec
 * (quiche, through Netty), TLS 1.3 with ALPN {@code h3} only, address validation with {@link
 * RetryTokens}, and the limits of {@code quic.*}. What runs on each connection is the application's
 * handler (HTTP/3), given at {@link #bind}.
 *
 * <p><b>Event loops.</b> With epoll, one socket per event loop is bound to the same address with
 * {@code SO_REUSEPORT}: the kernel spreads clients over them by their address, and a {@link
 * QuicCodecDispatcher} writes the socket's index into every connection ID the proxy issues, so a
 * packet that reaches another socket (after the client's NAT rebinding, say) is passed to the codec
 * that holds its connection. With NIO there is one socket.
 *
 * <p><b>0-RTT</b> is not offered (no early data in the TLS context): a request in 0-RTT could be
 * replayed, and a proxy's CONNECT is never idempotent (RFC 8470, RFC 9114 §4.1).
 *
 * <p><b>Certificate reloads</b> take effect for new connections: each connection's TLS engine comes
 * from the context current when it starts.
 */
public final class QuicListener implements AutoCloseable {

  /** The ALPN token of HTTP/3 (RFC 9114 §3.1), the only one offered. */
  public static final String ALPN_H3 = "h3";

  /** Connection-level flow control: how much the client may have in flight over all streams. */
  static final long INITIAL_MAX_DATA = 16L * 1024 * 1024;

  /** Per request stream, each way: bounds what one tunnel makes the proxy hold. */
  static final long INITIAL_MAX_STREAM_DATA = 2L * 1024 * 1024;

  /** HTTP/3 needs three unidirectional streams (control, QPACK encoder and decoder). */
  static final long MAX_UNIDIRECTIONAL_STREAMS = 8;

  static final long UNIDIRECTIONAL_STREAM_DATA = 256 * 1024;

  /**
   * The largest UDP payload the proxy sends (quiche's default is 1,200, the minimum every path
   * carries): 1,350 is what Netty sizes its send buffers for, and leaves room for a 1,200-byte UDP
   * payload in an HTTP Datagram (about 1,250 bytes with the short header, the frame and the tag),
   * which 1,200 would not. Paths with a smaller MTU lose such packets, as they would lose the
   * client's own.
   */
  static final long MAX_SEND_UDP_PAYLOAD = 1350;

  /**
   * With epoll, up to this many QUIC packets to one client leave in one UDP GSO send (UDP_SEGMENT):
   * without it every packet is a trip through the kernel's UDP send path, which
   * bench/quic-bench.sh's profile showed taking most of the proxy's CPU on a bulk download.
   */
  static final int GSO_SEGMENTS = 16;

  /** Queues of QUIC DATAGRAM frames each way, per connection. */
  static final int DATAGRAM_QUEUE = 2048;

  private final List<Channel> sockets;
  private final ChannelGroup connections;
  private final InetSocketAddress address;
  private final AtomicReference<QuicSslContext> sslContext;

  private QuicListener(
      List<Channel> sockets,
      ChannelGroup connections,
      InetSocketAddress address,
      AtomicReference<QuicSslContext> sslContext) {
    this.sockets = sockets;
    this.connections = connections;
    this.address = address;
    this.sslContext = sslContext;
  }

  /**
   * Binds the QUIC sockets to {@code address} and serves each admitted connection with {@code
   * application}.
   *
   * @param application added to each admitted connection's pipeline; must be sharable
   * @throws IllegalStateException when the UDP address cannot be bound, saying so
   */
  public static QuicListener bind(
      Transport transport,
      InetSocketAddress address,
      ProxyServerSettings settings,
      TlsIdentity identity,
      QuicMetrics metrics,
      ChannelHandler application) {
    AtomicReference<QuicSslContext> ssl = new AtomicReference<>(sslContext(identity));
    ChannelGroup connections =
        new DefaultChannelGroup("zcproxy-quic", GlobalEventExecutor.INSTANCE);
    QuicAdmission admission =
        new QuicAdmission(
            ConnectionTracker.forQuic(settings),
            metrics,
            settings.timeouts().handshake(),
            connections,
            application);
    RetryTokens tokens = RetryTokens.withRandomKey(metrics);
    boolean reusePort = EpollDatagramChannel.class.isAssignableFrom(transport.datagramChannel());
    ProxyServerSettings.Quic quic = settings.quic();
    QuicCodecDispatcher dispatcher =
        new QuicCodecDispatcher() {
          @Override
          protected void initChannel(
              Channel channel, int localConnectionIdLength, QuicConnectionIdGenerator ids) {
            channel
                .pipeline()
                .addLast(
                    new QuicServerCodecBuilder()
                        .sslEngineProvider(c -> ssl.get().newEngine(c.alloc()))
                        .maxIdleTimeout(quic.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .maxSendUdpPayloadSize(MAX_SEND_UDP_PAYLOAD)
                        .initialMaxData(INITIAL_MAX_DATA)
                        .initialMaxStreamDataBidirectionalLocal(INITIAL_MAX_STREAM_DATA)
                        .initialMaxStreamDataBidirectionalRemote(INITIAL_MAX_STREAM_DATA)
                        .initialMaxStreamDataUnidirectional(UNIDIRECTIONAL_STREAM_DATA)
                        .initialMaxStreamsBidirectional(quic.maxStreamsPerConnection())
                        .initialMaxStreamsUnidirectional(MAX_UNIDIRECTIONAL_STREAMS)
                        .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE)
                        .option(
                            QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                            reusePort
                                ? EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS)
                                : SegmentedDatagramPacketAllocator.NONE)
                        .tokenHandler(tokens)
                        .localConnectionIdLength(localConnectionIdLength)
                        .connectionIdAddressGenerator(ids)
                        .handler(admission)
                        .build());
          }
        };
    int count = 0;
    if (reusePort) {
      for (EventExecutor ignored : transport.workers()) {
        count++;
      }
    } else {
      count = 1;
    }
    QuicPacketFilter filter = new QuicPacketFilter(metrics);
    List<Channel> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Bootstrap bootstrap =
          new Bootstrap()
              .group(transport.workers())
              .channel(transport.datagramChannel())
              .handler(
                  new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                      channel.pipeline().addLast(filter, dispatcher);
                    }
                  });
      if (reusePort) {
        bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
      }
      bootstrap.option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024);
      ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
      if (!bound.isSuccess()) {
        sockets.forEach(Channel::close);
        throw new IllegalStateException(
            "cannot listen on UDP " + hostAndPort(address) + " for QUIC: " + describe(bound),
            bound.cause());
      }
      sockets.add(bound.channel());
    }
    return new QuicListener(
        List.copyOf(sockets),
        connections,
        (InetSocketAddress) sockets.getFirst().localAddress(),
        ssl);
  }

  private static String describe(ChannelFuture bound) {
    Throwable cause = bound.cause();
    return cause == null ? "unknown error" : cause.getMessage();
  }

  /** TLS 1.3 for QUIC with {@code identity}, ALPN {@code h3}, and no early data. */
  static QuicSslContext sslContext(TlsIdentity identity) {
    return QuicSslContextBuilder.forServer(
            identity.key(), null, identity.chain().toArray(X509Certificate[]::new))
        .applicationProtocols(ALPN_H3)
        .earlyData(false)
        .build();
  }

  /** New connections use {@code identity} from now on; open ones keep theirs. */
  public void replaceIdentity(TlsIdentity identity) {
    sslContext.set(sslContext(identity));
  }

  /** The UDP address the sockets are bound to. */
  public InetSocketAddress address() {
    return address;
  }

  /** How many sockets share the port (one per event loop with epoll). */
  public int sockets() {
    return sockets.size();
  }

  /** The QUIC connections open now, to drain or close on shutdown. */
  public ChannelGroup connections() {
    return connections;
  }

  /** Stops taking packets: closes the sockets (and with them every connection's state). */
  @Override
  public void close() {
    for (Channel socket : sockets) {
      socket.close().awaitUninterruptibly();
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
