package dev.zcproxy.outbound.jms;

import java.net.URI;
import java.util.Objects;

/** What an Artemis broker address must look like here: {@code tcp://host:port}. */
final class ArtemisUris {

  private ArtemisUris() {}

  /**
   * @throws IllegalArgumentException naming what is wrong
   */
  static URI requireTcp(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (!"tcp".equals(uri.getScheme())) {
      throw new IllegalArgumentException("expected tcp://host:port, got scheme " + uri.getScheme());
    }
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException("expected tcp://host:port, got " + uri);
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
      throw new IllegalArgumentException("expected tcp://host:port without a path, got " + uri);
    }
    return uri;
  }

  /**
   * The connection factory URL: the broker's address with the client failing fast (one connect
   * attempt, no transparent reconnect): the adapters reconnect themselves, and a publisher must
   * report a broker that is away instead of blocking the relay.
   */
  static String clientUrl(URI uri) {
    return "tcp://"
        + uri.getHost()
        + ":"
        + uri.getPort()
        + "?reconnectAttempts=0&initialConnectAttempts=1&callTimeout=10000"
        + "&clientFailureCheckPeriod=5000&connectionTTL=15000";
  }
}
