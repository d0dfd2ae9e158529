package dev.zcproxy.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Ports that were free a moment ago. The kernel hands out ephemeral ports round-robin, so a port
 * just released is unlikely to be handed out again before the proxy binds it.
 */
public final class FreePorts {
  private FreePorts() {}

  public static int tcp() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on loopback", e);
    }
  }
}
