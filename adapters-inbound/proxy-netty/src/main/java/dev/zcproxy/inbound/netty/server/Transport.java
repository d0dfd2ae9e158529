package dev.zcproxy.inbound.netty.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * The I/O transport in use: epoll on Linux, NIO elsewhere (and in some tests). Every channel the
 * proxy opens (upstream, BIND listener, UDP relay) uses these classes on the client's event loop.
 */
public record Transport(
    String name,
    EventLoopGroup workers,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel,
    Class<? extends DatagramChannel> datagramChannel) {}
