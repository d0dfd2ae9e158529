package dev.zcproxy.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
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

  static Class<? extends SocketChannel> socketChannel() {
    return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
