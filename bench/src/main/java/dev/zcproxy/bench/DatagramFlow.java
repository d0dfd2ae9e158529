package dev.zcproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Function;

/**
 * One UDP flow from the client to the echo server and back, over one of the paths {@code udp-rate}
 * measures: straight there, through a SOCKS5 UDP association, or through CONNECT-UDP. Every
 * datagram carries the same payload; the flow reports the payload length of each one that comes
 * back. Everything runs on the flow's event loop.
 */
abstract sealed class DatagramFlow implements AutoCloseable
    permits DatagramFlow.Direct, DatagramFlow.Socks5, DatagramFlow.ConnectUdp {

  /** What comes back, on the flow's event loop. */
  interface Receiver {
    /** One datagram back: its UDP payload length, or -1 when it was framed wrongly. */
    void echo(int payloadLength);

    /** The end of a read batch: a good moment to send and flush. */
    void readComplete();
  }

  /** The path's label in reports. */
  abstract String label();

  abstract EventLoop eventLoop();

  /** Writes one datagram (not flushed). */
  abstract ChannelFuture send();

  abstract void flush();

  /** Datagrams that came back in capsules on the request stream instead of QUIC datagrams. */
  long capsuleEchoes() {
    return 0;
  }

  @Override
  public abstract void close();

  /**
   * The payload every datagram carries: a pattern that does not compress. The flow releases it when
   * it closes.
   */
  static ByteBuf pattern(int payloadBytes) {
    ByteBuf pattern = Unpooled.directBuffer(payloadBytes, payloadBytes);
    for (int i = 0; i < payloadBytes; i++) {
      pattern.writeByte(i * 31);
    }
    return pattern;
  }

  /**
   * A UDP socket on loopback, connected to {@code peer}, reading up to 64 KiB datagrams; each one
   * read is handed to {@code payloadLength} and the answer to {@code receiver}.
   */
  private static Channel udpSocket(
      EventLoopGroup group,
      InetSocketAddress peer,
      Function<ByteBuf, Integer> payloadLength,
      Receiver receiver)
      throws IOException {
    ChannelFuture bound =
        new Bootstrap()
            .group(group)
            .channel(ClientTransport.datagramChannel())
            .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
            .option(ChannelOption.SO_SNDBUF, 4 * 1024 * 1024)
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536))
            .handler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    try {
                      if (msg instanceof DatagramPacket packet) {
                        receiver.echo(payloadLength.apply(packet.content()));
                      } else if (msg instanceof ByteBuf connectedRead) {
                        receiver.echo(payloadLength.apply(connectedRead));
                      }
                    } finally {
                      ReferenceCountUtil.release(msg);
                    }
                  }

                  @Override
                  public void channelReadComplete(ChannelHandlerContext ctx) {
                    receiver.readComplete();
                  }
                })
            .bind(new InetSocketAddress(peer.getAddress(), 0));
    bound.awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IOException("cannot open a UDP socket: " + bound.cause(), bound.cause());
    }
    return bound.channel();
  }

  private static void connect(Channel socket, InetSocketAddress peer) throws IOException {
    ChannelFuture connected = socket.connect(peer).awaitUninterruptibly();
    if (!connected.isSuccess()) {
      socket.close();
      throw new IOException("cannot connect a UDP socket to " + peer, connected.cause());
    }
  }

  /** Straight to the echo server. */
  static final class Direct extends DatagramFlow {
    private final Channel socket;
    private final ByteBuf pattern;

    Direct(EventLoopGroup group, InetSocketAddress echo, int payloadBytes, Receiver receiver)
        throws IOException {
      this.socket = udpSocket(group, echo, ByteBuf::readableBytes, receiver);
      connect(socket, echo);
      this.pattern = pattern(payloadBytes);
    }

    @Override
    String label() {
      return "direct";
    }

    @Override
    EventLoop eventLoop() {
      return socket.eventLoop();
    }

    @Override
    ChannelFuture send() {
      return socket.write(pattern.retainedDuplicate());
    }

    @Override
    void flush() {
      socket.flush();
    }

    @Override
    public void close() {
      socket.close().awaitUninterruptibly();
      pattern.release();
    }
  }

  /**
   * Through a SOCKS5 UDP association (RFC 1928 §7): a TCP control connection held open for the run,
   * datagrams with the SOCKS5 UDP header to the relay address the proxy announced.
   */
  static final class Socks5 extends DatagramFlow {
    private final Channel socket;
    private final Connector.UdpAssociation association;
    private final ByteBuf pattern;
    private final int payloadBytes;
    private final InetSocketAddress echo;

    Socks5(
        EventLoopGroup group,
        Connector socks,
        InetSocketAddress echo,
        int payloadBytes,
        Receiver receiver)
        throws IOException {
      this.payloadBytes = payloadBytes;
      this.echo = echo;
      this.socket = udpSocket(group, echo, Socks5UdpFraming::payloadLength, receiver);
      try {
        this.association = socks.associateUdp((InetSocketAddress) socket.localAddress());
        connect(socket, association.relay());
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
      this.pattern = pattern(payloadBytes);
    }

    @Override
    String label() {
      return "socks5-udp";
    }

    @Override
    EventLoop eventLoop() {
      return socket.eventLoop();
    }

    @Override
    ChannelFuture send() {
      return socket.write(Socks5UdpFraming.datagram(socket.alloc(), echo, pattern, payloadBytes));
    }

    @Override
    void flush() {
      socket.flush();
    }

    @Override
    public void close() {
      socket.close().awaitUninterruptibly();
      pattern.release();
      try {
        association.close();
      } catch (IOException e) {
        // the run is over; the proxy ends the association when it sees the close
      }
    }
  }

  /**
   * Through CONNECT-UDP (RFC 9298) on an HTTP/3 connection: an extended CONNECT with {@code
   * :protocol connect-udp} for {@code /.well-known/masque/udp/127.0.0.1/PORT/}, then each datagram
   * in a QUIC DATAGRAM frame (Quarter Stream ID, context ID 0, payload). Answers are taken in QUIC
   * datagrams and, should the proxy send them so, in DATAGRAM capsules on the request stream.
   */
  static final class ConnectUdp extends DatagramFlow {
    private final Http3Client client;
    private final QuicChannel connection;
    private final QuicStreamChannel stream;
    private final ByteBuf pattern;
    private final int payloadBytes;
    private long capsuleEchoes;

    ConnectUdp(
        EventLoopGroup group,
        InetSocketAddress proxy,
        InetSocketAddress echo,
        int payloadBytes,
        Receiver receiver)
        throws IOException {
      this.payloadBytes = payloadBytes;
      this.client = Http3Client.connect(group, proxy);
      this.connection = client.connection();
      try {
        Http3Headers request =
            new DefaultHttp3Headers()
                .method("CONNECT")
                .protocol("connect-udp")
                .scheme("https")
                .authority(proxy.getAddress().getHostAddress() + ":" + proxy.getPort())
                .path(
                    "/.well-known/masque/udp/"
                        + echo.getAddress().getHostAddress()
                        + "/"
                        + echo.getPort()
                        + "/");
        request.set("capsule-protocol", "?1");
        CapsuleSide capsules = new CapsuleSide(receiver);
        this.stream = client.request(request, capsules);
        long streamId = stream.streamId();
        client.datagrams(
            new Http3Client.DatagramListener() {
              @Override
              public void datagram(ByteBuf payload) {
                receiver.echo(HttpDatagramFraming.udpPayloadLength(payload, streamId));
              }

              @Override
              public void readComplete() {
                receiver.readComplete();
              }
            });
      } catch (IOException | RuntimeException e) {
        client.close();
        throw e;
      }
      this.pattern = pattern(payloadBytes);
    }

    @Override
    String label() {
      return "connect-udp";
    }

    @Override
    EventLoop eventLoop() {
      return connection.eventLoop();
    }

    @Override
    ChannelFuture send() {
      return connection.write(
          HttpDatagramFraming.quicDatagram(
              connection.alloc(), stream.streamId(), pattern, payloadBytes));
    }

    @Override
    void flush() {
      connection.flush();
    }

    @Override
    long capsuleEchoes() {
      return capsuleEchoes;
    }

    @Override
    public void close() {
      client.close();
      pattern.release();
    }

    /** DATAGRAM capsules on the request stream, if the proxy answers that way. */
    private final class CapsuleSide extends ChannelInboundHandlerAdapter {
      private final Receiver receiver;
      private CapsuleReader reader;

      CapsuleSide(Receiver receiver) {
        this.receiver = receiver;
      }

      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        reader =
            new CapsuleReader(
                ctx.alloc(),
                length -> {
                  capsuleEchoes++;
                  receiver.echo(length);
                });
      }

      @Override
      public void handlerRemoved(ChannelHandlerContext ctx) {
        reader.close();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http3DataFrame data) {
          reader.read(data.content().retain());
        }
        ReferenceCountUtil.release(msg);
      }

      @Override
      public void channelReadComplete(ChannelHandlerContext ctx) {
        receiver.readComplete();
        ctx.fireChannelReadComplete();
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        ReferenceCountUtil.release(event);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
      }
    }
  }
}
