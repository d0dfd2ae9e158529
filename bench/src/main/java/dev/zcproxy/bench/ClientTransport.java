package dev.zcproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The Netty transport of the HTTP/2, HTTP/3 and UDP clients: epoll where it loads, as the proxy
 * uses, so the client spends as little of the shared cores as it can (Netty's epoll datagram
 * channel sends a flushed batch with one sendmmsg), and NIO elsewhere. One event loop: a run is one
 * connection or one flow.
 */
final class ClientTransport {

  private ClientTransport() {}

  static boolean epoll() {
    return Epoll.isAvailable();
  }

  static EventLoopGroup newGroup() {
    return new MultiThreadIoEventLoopGroup(
        1, epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  static Class<? extends DatagramChannel> datagramChannel() {
    return epoll() ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }

  /** Datagrams read per system call, with epoll (recvmmsg). */
  static final int DATAGRAMS_PER_READ = 32;

  /**
   * With epoll, reads up to {@value #DATAGRAMS_PER_READ} datagrams of at most {@code
   * maxDatagramBytes} per system call (recvmmsg) instead of one.
   */
  static void batchDatagramReads(Bootstrap bootstrap, int maxDatagramBytes) {
    if (epoll()) {
      bootstrap
          .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagramBytes)
          .option(
              ChannelOption.RCVBUF_ALLOCATOR,
              new FixedRecvByteBufAllocator(maxDatagramBytes * DATAGRAMS_PER_READ));
    }
  }

  static Class<? extends SocketChannel> socketChannel() {
    return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
