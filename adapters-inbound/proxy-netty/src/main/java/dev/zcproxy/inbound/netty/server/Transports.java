package dev.zcproxy.inbound.netty.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Picks epoll when the native library loads, NIO otherwise, and builds event loop groups for it.
 */
public final class Transports {
  static final String EPOLL = "epoll";
  public static final String NIO = "nio";

  private Transports() {}

  /**
   * @param preferNative false forces NIO even where epoll is available (tests of the fallback)
   * @param workerThreads 0 for Netty's default (twice the number of cores)
   */
  public static Transport create(boolean preferNative, int workerThreads) {
    if (preferNative && Epoll.isAvailable()) {
      return new Transport(
          EPOLL,
          newGroup(EPOLL, workerThreads, "zcproxy-io"),
          EpollServerSocketChannel.class,
          EpollSocketChannel.class,
          EpollDatagramChannel.class);
    }
    return new Transport(
        NIO,
        newGroup(NIO, workerThreads, "zcproxy-io"),
        NioServerSocketChannel.class,
        NioSocketChannel.class,
        NioDatagramChannel.class);
  }

  /** Why epoll is not in use, for the start-up log line; null when it is. */
  public static Throwable epollUnavailabilityCause() {
    return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
  }

  /** Another group on the same I/O mechanism as {@code transport}, e.g. the acceptor. */
  public static EventLoopGroup newGroup(Transport transport, int threads, String threadNamePrefix) {
    return newGroup(transport.name(), threads, threadNamePrefix);
  }

  private static EventLoopGroup newGroup(String name, int threads, String threadNamePrefix) {
    IoHandlerFactory io =
        EPOLL.equals(name) ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix), io);
  }
}
