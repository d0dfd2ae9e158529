package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Sends every datagram back to its sender, on 127.0.0.1 and an ephemeral port. */
public final class UdpEchoServer implements AutoCloseable {

  private final DatagramSocket socket;

  private UdpEchoServer(DatagramSocket socket) {
    this.socket = socket;
  }

  public static UdpEchoServer start() {
    try {
      UdpEchoServer echo =
          new UdpEchoServer(
              new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
      Thread.ofVirtual().name("udp-echo").start(echo::echoLoop);
      return echo;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the UDP echo server", e);
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  private void echoLoop() {
    byte[] buffer = new byte[65_535];
    while (!socket.isClosed()) {
      try {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        socket.send(
            new DatagramPacket(
                packet.getData(),
                packet.getOffset(),
                packet.getLength(),
                packet.getSocketAddress()));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
