package dev.zcproxy.it.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP server the tests reach through the proxy, on 127.0.0.1 and an ephemeral port. {@code
 * /hello} answers a short known text; {@code /large} answers {@link #LARGE_BODY_SIZE} bytes of
 * deterministic noise, so a relay that drops, repeats or reorders bytes fails the checksum.
 */
public final class OriginServer implements AutoCloseable {

  public static final String HELLO_BODY = "hello from the origin\n";
  public static final int LARGE_BODY_SIZE = 8 * 1024 * 1024;

  private static final byte[] LARGE_BODY = noise(LARGE_BODY_SIZE);

  private final HttpServer server;
  private final ExecutorService executor;

  private OriginServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static OriginServer start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      server.setExecutor(executor);
      server.createContext(
          "/hello", exchange -> respond(exchange, HELLO_BODY.getBytes(StandardCharsets.UTF_8)));
      server.createContext("/large", exchange -> respond(exchange, LARGE_BODY));
      server.start();
      return new OriginServer(server, executor);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the origin server", e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The URL of {@code path} on this server, by address: {@code http://127.0.0.1:port/path}. */
  public String url(String path) {
    return url("127.0.0.1", path);
  }

  /** The URL of {@code path} with another host part, e.g. {@code localhost}. */
  public String url(String host, String path) {
    return "http://" + host + ":" + port() + path;
  }

  public static String largeBodySha256() {
    return Digests.sha256(LARGE_BODY);
  }

  private static void respond(HttpExchange exchange, byte[] body) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] noise(int size) {
    byte[] bytes = new byte[size];
    new SplittableRandom(0x5EED_CAFEL).nextBytes(bytes);
    return bytes;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
