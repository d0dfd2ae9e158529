package dev.zcproxy.inbound.netty.http.h2;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * A Netty HTTP/2 client for tests against a real proxy: h2c with prior knowledge, or TLS + ALPN.
 */
final class Http2TestKit {
  private Http2TestKit() {}

  /** What the connection's parent channel saw (GOAWAY). */
  static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
    /** The first GOAWAY; the caller releases it. */
    volatile Http2GoAwayFrame goAway;

    /** Every GOAWAY's error code, in order. */
    final java.util.List<Long> errorCodes = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2GoAwayFrame frame) {
        errorCodes.add(frame.errorCode());
        if (goAway == null) {
          goAway = frame.retain();
        }
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      ReferenceCountUtil.release(event);
    }
  }

  static Channel connect(EventLoopGroup group, InetSocketAddress proxy, ConnectionEvents events)
      throws InterruptedException {
    return connect(group, proxy, events, null);
  }

  /**
   * @param tls null for h2c; otherwise the client context ({@link #alpnClientContext})
   */
  static Channel connect(
      EventLoopGroup group, InetSocketAddress proxy, ConnectionEvents events, SslContext tls)
      throws InterruptedException {
    return connect(group, proxy, events, tls, false);
  }

  /**
   * An h2c client that sends header lists larger than the proxy's SETTINGS_MAX_HEADER_LIST_SIZE
   * (Netty's client refuses to by default), to see what the proxy does with them.
   */
  static Channel connectIgnoringHeaderListLimit(
      EventLoopGroup group, InetSocketAddress proxy, ConnectionEvents events)
      throws InterruptedException {
    return connect(group, proxy, events, null, true);
  }

  private static Channel connect(
      EventLoopGroup group,
      InetSocketAddress proxy,
      ConnectionEvents events,
      SslContext tls,
      boolean ignoreHeaderListLimit)
      throws InterruptedException {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                if (tls != null) {
                  channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                }
                channel
                    .pipeline()
                    .addLast(
                        Http2FrameCodecBuilder.forClient()
                            .encoderIgnoreMaxHeaderListSize(ignoreHeaderListLimit)
                            .build());
                channel
                    .pipeline()
                    .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
                    .addLast(events); // connection-level frames pass the multiplexer
              }
            })
        .connect(proxy)
        .sync()
        .channel();
  }

  /** Trusts anything; offers {@code protocols} by ALPN. */
  static SslContext alpnClientContext(String... protocols) throws SSLException {
    return SslContextBuilder.forClient()
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocolConfig(
            new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                protocols))
        .build();
  }

  /** The protocol ALPN chose on a TLS connection, once the handshake is done. */
  static String negotiated(Channel connection) throws InterruptedException {
    SslHandler ssl = connection.pipeline().get(SslHandler.class);
    ssl.handshakeFuture().sync();
    return ssl.applicationProtocol();
  }

  static final String H2 = ApplicationProtocolNames.HTTP_2;

  static Recorder open(Channel connection, Http2Headers headers, boolean end)
      throws InterruptedException {
    Recorder recorder = new Recorder();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection).handler(recorder).open().sync().getNow();
    recorder.stream = stream;
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, end)).sync();
    return recorder;
  }

  /** What one client stream received: the last response headers, the data (or its digest). */
  static final class Recorder extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final MessageDigest digest = sha256();
    final AtomicLong receivedBytes = new AtomicLong();
    volatile boolean keepData = true;
    volatile Http2StreamChannel stream;
    volatile Http2Headers response;
    volatile Http2Headers trailers;
    volatile boolean ended;
    volatile boolean reset;
    volatile long resetCode = -1;

    String status() {
      Http2Headers headers = response;
      return headers == null ? null : headers.status().toString();
    }

    synchronized String received() {
      return data.toString(StandardCharsets.UTF_8);
    }

    synchronized byte[] digest() {
      return digest.digest();
    }

    void send(String text, boolean end) throws InterruptedException {
      ByteBuf payload = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
      stream.writeAndFlush(new DefaultHttp2DataFrame(payload, end)).sync();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers) {
          if (response != null && !headers.headers().contains(":status")) {
            trailers = headers.headers();
          } else if (headers.headers().status() == null
              || headers.headers().status().charAt(0) != '1') {
            response = headers.headers();
          }
          ended |= headers.isEndStream();
        } else if (msg instanceof Http2DataFrame frame) {
          synchronized (this) {
            ByteBuf content = frame.content();
            receivedBytes.addAndGet(content.readableBytes());
            byte[] bytes = new byte[content.readableBytes()];
            content.readBytes(bytes);
            digest.update(bytes);
            if (keepData) {
              data.writeBytes(bytes);
            }
          }
          ended |= frame.isEndStream();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof Http2ResetFrame frame) {
        reset = true;
        resetCode = frame.errorCode();
      }
      ReferenceCountUtil.release(event);
    }
  }

  /** 16 KiB of a fixed pattern. */
  static byte[] pattern() {
    byte[] pattern = new byte[16 * 1024];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) (i * 31 + 7);
    }
    return pattern;
  }

  /**
   * Writes {@code size} bytes of the pattern as DATA frames, as fast as the stream's window lets it
   * (only while the stream is writable), then END_STREAM. Counts what went out.
   */
  static void sendPattern(Recorder stream, long size, MessageDigest digest, AtomicLong out)
      throws InterruptedException {
    byte[] pattern = pattern();
    Channel channel = stream.stream;
    long[] next = {0};
    Runnable pump =
        new Runnable() {
          @Override
          public void run() {
            while (next[0] < size && channel.isActive() && channel.isWritable()) {
              int length = (int) Math.min(pattern.length, size - next[0]);
              next[0] += length;
              digest.update(pattern, 0, length);
              boolean last = next[0] == size;
              channel
                  .writeAndFlush(
                      new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(pattern, 0, length), last))
                  .addListener(
                      (ChannelFutureListener)
                          written -> {
                            if (written.isSuccess()) {
                              out.addAndGet(length);
                            }
                          });
            }
          }
        };
    channel
        .pipeline()
        .addFirst(
            new io.netty.channel.ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(io.netty.channel.ChannelHandlerContext ctx) {
                pump.run();
                ctx.fireChannelWritabilityChanged();
              }
            });
    channel.eventLoop().submit(pump).sync();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
