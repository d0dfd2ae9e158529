package dev.zcproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One cleartext HTTP/2 connection to a proxy with prior knowledge (RFC 9113 §3.3: the preface
 * straight away, no Upgrade), for CONNECT tunnels (RFC 9113 §8.5), one stream each. The client's
 * receive windows match {@link Http3Client}'s: 2 MiB per stream, 16 MiB per connection; the proxy's
 * are its own. Frames are Netty's default 16 KiB at most, as curl and nghttp2 keep them.
 */
final class Http2Client implements StreamTunnels {

  private static final int STREAM_WINDOW = 2 * 1024 * 1024;
  private static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
  private static final long AWAIT_SECONDS = 10;

  /** The connection window before any WINDOW_UPDATE, whatever SETTINGS say (RFC 9113 §6.9.2). */
  private static final int INITIAL_CONNECTION_WINDOW = 65_535;

  private final Channel connection;

  private Http2Client(Channel connection) {
    this.connection = connection;
  }

  static Http2Client connect(EventLoopGroup group, InetSocketAddress proxy) throws IOException {
    ChannelFuture connected =
        new Bootstrap()
            .group(group)
            .channel(ClientTransport.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel
                        .pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forClient()
                                .initialSettings(
                                    Http2Settings.defaultSettings()
                                        .initialWindowSize(STREAM_WINDOW)
                                        .pushEnabled(false))
                                .build(),
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                })
            .connect(proxy);
    try {
      if (!connected.await(AWAIT_SECONDS, TimeUnit.SECONDS) || !connected.isSuccess()) {
        connected.channel().close();
        throw new IOException("no HTTP/2 connection to " + proxy + ": " + connected.cause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    Channel connection = connected.channel();
    connection.writeAndFlush(
        new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - INITIAL_CONNECTION_WINDOW));
    return new Http2Client(connection);
  }

  @Override
  public Channel connect(InetSocketAddress target, ChannelHandler afterResponse)
      throws IOException {
    ResponseHead head =
        new ResponseHead(msg -> msg instanceof Http2HeadersFrame h ? h.headers().status() : null);
    try {
      Http2StreamChannel stream =
          new Http2StreamChannelBootstrap(connection)
              .handler(
                  new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel channel) {
                      channel.pipeline().addLast(head, afterResponse);
                    }
                  })
              .open()
              .get(AWAIT_SECONDS, TimeUnit.SECONDS);
      String authority = target.getAddress().getHostAddress() + ":" + target.getPort();
      stream.writeAndFlush(
          new DefaultHttp2HeadersFrame(
              new DefaultHttp2Headers().method("CONNECT").authority(authority), false));
      String status = head.status.get(AWAIT_SECONDS, TimeUnit.SECONDS);
      if (!status.equals("200")) {
        stream.close();
        throw new IOException("CONNECT " + authority + " answered " + status + ", expected 200");
      }
      return stream;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("HTTP/2 CONNECT failed: " + Http3Client.causeOf(e), e);
    }
  }

  @Override
  public Object dataFrame(ByteBuf content) {
    return new DefaultHttp2DataFrame(content, false);
  }

  @Override
  public int dataBytes(Object frame) {
    return frame instanceof Http2DataFrame data ? data.content().readableBytes() : -1;
  }

  @Override
  public void finish(Channel tunnel, ChannelFuture lastWrite) {
    // frames of one stream go out in order, so END_STREAM may follow at once
    tunnel.writeAndFlush(new DefaultHttp2DataFrame(true));
  }

  @Override
  public void close() {
    connection.close().awaitUninterruptibly(AWAIT_SECONDS, TimeUnit.SECONDS);
  }
}
