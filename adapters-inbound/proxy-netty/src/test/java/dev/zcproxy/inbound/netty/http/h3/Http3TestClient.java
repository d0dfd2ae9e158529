package dev.zcproxy.inbound.netty.http.h3;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Netty QUIC/HTTP-3 client for tests against a real proxy: one QUIC connection, request streams
 * that record what comes back (the response headers, the DATA bytes, the FIN, a reset), and the
 * connection's QUIC datagrams.
 */
final class Http3TestClient implements AutoCloseable {
  static final Duration AWAIT = Duration.ofSeconds(30);

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel socket;
  final QuicChannel connection;

  /** How the proxy closed the connection, once it has. */
  final CompletableFuture<QuicConnectionCloseEvent> closedBy = new CompletableFuture<>();

  /** QUIC DATAGRAM frames the proxy sent, each a copy. */
  final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();

  /**
   * @param h3Datagram whether to send SETTINGS_H3_DATAGRAM=1 (and enable QUIC datagrams)
   */
  Http3TestClient(InetSocketAddress proxy, boolean h3Datagram) throws Exception {
    QuicSslContext tls =
        QuicSslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocols("h3")
            .build();
    var codec =
        Http3.newQuicClientCodecBuilder()
            .sslContext(tls)
            .maxIdleTimeout(30, TimeUnit.SECONDS)
            .maxSendUdpPayloadSize(1350)
            .initialMaxData(32L * 1024 * 1024)
            .initialMaxStreamDataBidirectionalLocal(4L * 1024 * 1024)
            .initialMaxStreamDataBidirectionalRemote(4L * 1024 * 1024)
            .initialMaxStreamsBidirectional(100)
            .initialMaxStreamsUnidirectional(8);
    if (h3Datagram) {
      codec.datagram(1024, 1024);
    }
    socket =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .handler(codec.build())
            .bind(0)
            .sync()
            .channel();
    Http3Settings settings = new Http3Settings();
    if (h3Datagram) {
      settings.enableH3Datagram(true);
    }
    connection =
        QuicChannel.newBootstrap(socket)
            .handler(
                new io.netty.channel.ChannelInitializer<QuicChannel>() {
                  @Override
                  protected void initChannel(QuicChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new Http3ClientConnectionHandler(
                                null, null, null, new DefaultHttp3SettingsFrame(settings), true))
                        .addLast(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (!(msg instanceof ByteBuf datagram)) {
                                  ctx.fireChannelRead(msg); // the proxy's streams: registered
                                  return; // at the pipeline's tail
                                }
                                byte[] copy = new byte[datagram.readableBytes()];
                                datagram.readBytes(copy);
                                datagrams.add(copy);
                                datagram.release();
                              }

                              @Override
                              public void userEventTriggered(ChannelHandlerContext ctx, Object e) {
                                if (e instanceof QuicConnectionCloseEvent close) {
                                  closedBy.complete(close);
                                }
                                ReferenceCountUtil.release(e);
                              }
                            });
                  }
                })
            .remoteAddress(proxy)
            .connect()
            .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** A new request stream that sends {@code headers} (not ending it). */
  Stream request(Http3Headers headers) throws Exception {
    Stream recorder = new Stream();
    QuicStreamChannel stream =
        Http3.newRequestStream(connection, recorder).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    recorder.channel = stream;
    stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers)).sync();
    return recorder;
  }

  /** Sends a QUIC DATAGRAM frame. */
  void sendDatagram(byte[] payload) {
    connection.writeAndFlush(Unpooled.wrappedBuffer(payload));
  }

  @Override
  public void close() {
    connection.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    socket.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** One request stream's recorder. */
  static final class Stream extends ChannelInboundHandlerAdapter {
    QuicStreamChannel channel;
    final CompletableFuture<Http3Headers> response = new CompletableFuture<>();
    final CompletableFuture<Void> fin = new CompletableFuture<>();
    final CompletableFuture<Long> reset = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http3HeadersFrame headers) {
        if (!response.isDone()) {
          response.complete(headers.headers());
        }
      } else if (msg instanceof Http3DataFrame data) {
        byte[] bytes = new byte[data.content().readableBytes()];
        data.content().readBytes(bytes);
        synchronized (body) {
          body.writeBytes(bytes);
        }
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        fin.complete(null);
      }
      ReferenceCountUtil.release(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable c = cause;
      while (c != null && !(c instanceof QuicStreamResetException)) {
        c = c.getCause();
      }
      if (c instanceof QuicStreamResetException r) {
        reset.complete(r.applicationProtocolCode());
      } else {
        reset.completeExceptionally(cause);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closed.complete(null);
      ctx.fireChannelInactive();
    }

    /** The response's {@code :status}, waiting for it. */
    String status() throws Exception {
      return response.get(AWAIT.toSeconds(), TimeUnit.SECONDS).status().toString();
    }

    private io.netty.channel.ChannelFuture lastWrite;

    void send(byte[] bytes) {
      lastWrite = channel.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(bytes)));
    }

    /** FIN, once every DATA frame sent so far has reached QUIC. */
    void finish() {
      if (lastWrite == null) {
        channel.shutdownOutput();
      } else {
        lastWrite.addListener(written -> channel.shutdownOutput());
      }
    }

    /** Every DATA byte so far. */
    byte[] body() {
      synchronized (body) {
        return body.toByteArray();
      }
    }

    int bodySize() {
      synchronized (body) {
        return body.size();
      }
    }
  }
}
