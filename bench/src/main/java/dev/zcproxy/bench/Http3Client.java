package dev.zcproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One QUIC connection to an HTTP/3 proxy (ALPN h3, the proxy's certificate not checked: the bench
 * proxy's is self-signed), for CONNECT tunnels and CONNECT-UDP flows. It sends SETTINGS_H3_DATAGRAM
 * and enables QUIC DATAGRAM frames, so a CONNECT-UDP flow's datagrams travel in those (RFC 9297
 * §2.1); {@link #datagrams} taps what arrives. Runs on the caller's event loop group.
 *
 * <p>Flow-control windows are the proxy's own (16 MiB per connection, 2 MiB per stream), so both
 * directions get the same. QUIC packets are up to {@value #MAX_UDP_PAYLOAD_BYTES} bytes (Netty's
 * {@code Quic.MAX_DATAGRAM_SIZE}, what Chrome starts with), so that a 1,200-byte UDP payload fits
 * into one DATAGRAM frame; quiche's default, 1,200 bytes, leaves it no room.
 */
final class Http3Client implements StreamTunnels {

  static final int MAX_UDP_PAYLOAD_BYTES = 1350;
  private static final long CONNECTION_WINDOW = 16L * 1024 * 1024;
  private static final long STREAM_WINDOW = 2L * 1024 * 1024;
  private static final int DATAGRAM_QUEUE = 2048;
  private static final long AWAIT_SECONDS = 10;
  private static final int GSO_SEGMENTS = 16;

  /** What arrives in QUIC DATAGRAM frames, on the connection's event loop. */
  interface DatagramListener {
    /** One DATAGRAM frame's payload, valid during the call only (released after it). */
    void datagram(ByteBuf payload);

    /** The end of a read batch. */
    void readComplete();
  }

  private final Channel socket;
  private final QuicChannel connection;
  private volatile DatagramListener datagrams;

  private Http3Client(Channel socket, QuicChannel connection) {
    this.socket = socket;
    this.connection = connection;
  }

  /**
   * Connects and waits until the proxy's SETTINGS have arrived: the proxy has then seen the
   * client's SETTINGS too (sent first, in the same flight as the handshake's end), so it knows to
   * answer a CONNECT-UDP flow in QUIC datagrams rather than capsules.
   */
  static Http3Client connect(EventLoopGroup group, InetSocketAddress proxy) throws IOException {
    QuicSslContext tls =
        QuicSslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocols(Http3.supportedApplicationProtocols())
            .build();
    ChannelHandler codec =
        Http3.newQuicClientCodecBuilder()
            .sslContext(tls)
            .maxIdleTimeout(30, TimeUnit.SECONDS)
            .maxSendUdpPayloadSize(MAX_UDP_PAYLOAD_BYTES)
            .initialMaxData(CONNECTION_WINDOW)
            .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
            .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
            .initialMaxStreamsBidirectional(100)
            .initialMaxStreamsUnidirectional(8)
            .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE)
            .build();
    Channel socket;
    try {
      Bootstrap bootstrap =
          new Bootstrap()
              .group(group)
              .channel(ClientTransport.datagramChannel())
              .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
              .option(ChannelOption.SO_SNDBUF, 4 * 1024 * 1024)
              .handler(codec);
      ClientTransport.batchDatagramReads(bootstrap, MAX_UDP_PAYLOAD_BYTES);
      socket = bootstrap.bind(new InetSocketAddress(proxy.getAddress(), 0)).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    CompletableFuture<Void> serverSettings = new CompletableFuture<>();
    Http3Client[] self = new Http3Client[1];
    ChannelHandler settingsWatch =
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http3SettingsFrame) {
              serverSettings.complete(null);
            }
            ReferenceCountUtil.release(msg);
          }
        };
    ChannelHandler datagramTap =
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf payload)) {
              // new streams the proxy opens: Netty registers them at the pipeline's tail
              ctx.fireChannelRead(msg);
              return;
            }
            try {
              DatagramListener listener = self[0] == null ? null : self[0].datagrams;
              if (listener != null) {
                listener.datagram(payload);
              }
            } finally {
              payload.release();
            }
          }

          @Override
          public void channelReadComplete(ChannelHandlerContext ctx) {
            DatagramListener listener = self[0] == null ? null : self[0].datagrams;
            if (listener != null) {
              listener.readComplete();
            }
            ctx.fireChannelReadComplete();
          }
        };
    Http3Settings settings = new Http3Settings().enableH3Datagram(true);
    try {
      QuicChannel connection =
          bootstrapWithGso(QuicChannel.newBootstrap(socket))
              .handler(
                  new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel channel) {
                      channel
                          .pipeline()
                          .addLast(
                              new Http3ClientConnectionHandler(
                                  settingsWatch,
                                  null,
                                  null,
                                  new DefaultHttp3SettingsFrame(settings),
                                  true),
                              datagramTap);
                    }
                  })
              .remoteAddress(proxy)
              .connect()
              .get(AWAIT_SECONDS, TimeUnit.SECONDS);
      self[0] = new Http3Client(socket, connection);
      try {
        serverSettings.get(AWAIT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        connection.close();
        throw new TimeoutException("no SETTINGS from the proxy");
      }
      return self[0];
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      socket.close();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      socket.close();
      throw new IOException("no HTTP/3 connection to " + proxy + ": " + causeOf(e), e);
    }
  }

  /**
   * With epoll, QUIC packets leave in batches through UDP GSO (one sendmsg for up to {@value
   * #GSO_SEGMENTS}), as they can on a real client: the bench client should cost the shared cores as
   * little as it can. The proxy's own sockets do not use it.
   */
  private static QuicChannelBootstrap bootstrapWithGso(QuicChannelBootstrap bootstrap) {
    if (ClientTransport.epoll()) {
      bootstrap.option(
          QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
          EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
    }
    return bootstrap;
  }

  QuicChannel connection() {
    return connection;
  }

  /** From now on, QUIC DATAGRAM frames go to {@code listener}. */
  void datagrams(DatagramListener listener) {
    this.datagrams = listener;
  }

  @Override
  public Channel connect(InetSocketAddress target, ChannelHandler afterResponse)
      throws IOException {
    return request(
        new DefaultHttp3Headers()
            .method("CONNECT")
            .authority(target.getAddress().getHostAddress() + ":" + target.getPort()),
        afterResponse);
  }

  /**
   * Opens a request stream, sends {@code headers} (not ending the stream) and waits for a 200.
   *
   * @param afterResponse the handler for the frames after the response head
   */
  QuicStreamChannel request(Http3Headers headers, ChannelHandler afterResponse) throws IOException {
    ResponseHead head =
        new ResponseHead(msg -> msg instanceof Http3HeadersFrame h ? h.headers().status() : null);
    try {
      QuicStreamChannel stream =
          Http3.newRequestStream(
                  connection,
                  new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel channel) {
                      channel.pipeline().addLast(head, afterResponse);
                    }
                  })
              .get(AWAIT_SECONDS, TimeUnit.SECONDS);
      stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers));
      String status = head.status.get(AWAIT_SECONDS, TimeUnit.SECONDS);
      if (!status.equals("200")) {
        stream.close();
        throw new IOException(headers.method() + " answered " + status + ", expected 200");
      }
      return stream;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(headers.method() + " failed: " + causeOf(e), e);
    }
  }

  @Override
  public Object dataFrame(ByteBuf content) {
    return new DefaultHttp3DataFrame(content);
  }

  @Override
  public int dataBytes(Object frame) {
    return frame instanceof Http3DataFrame data ? data.content().readableBytes() : -1;
  }

  @Override
  public void finish(Channel tunnel, ChannelFuture lastWrite) {
    QuicStreamChannel stream = (QuicStreamChannel) tunnel;
    if (lastWrite == null) {
      stream.shutdownOutput();
    } else {
      lastWrite.addListener(written -> stream.shutdownOutput());
    }
  }

  @Override
  public String transportStats() {
    try {
      QuicConnectionStats stats = connection.collectStats().get(AWAIT_SECONDS, TimeUnit.SECONDS);
      QuicConnectionPathStats path =
          connection.collectPathStats(0).get(AWAIT_SECONDS, TimeUnit.SECONDS);
      return ("quic_packets_sent=%d quic_packets_received=%d quic_packets_lost=%d"
              + " quic_rtt_us=%d quic_cwnd=%d quic_pmtu=%d")
          .formatted(
              stats.sent(),
              stats.recv(),
              stats.lost(),
              path.rtt() / 1000,
              path.cwnd(),
              path.pmtu());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } catch (ExecutionException | TimeoutException e) {
      return "quic_stats=unavailable";
    }
  }

  @Override
  public void close() {
    connection.close().awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS);
    socket.close().awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS);
  }

  static String causeOf(Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return cause.toString();
  }
}
