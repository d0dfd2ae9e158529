package dev.zcproxy.it.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * The HTTP server the tests reach through the proxy, on 127.0.0.1 and an ephemeral port. {@code
 * /hello} answers a short known text; {@code /large} answers {@link #LARGE_BODY_SIZE} bytes of
 * deterministic noise, so a relay that drops, repeats or reorders bytes fails the checksum; {@code
 * /echo} answers the request body as it arrived; {@code /page} answers {@link #PAGE_HTML} as {@code
 * text/html}, for a browser to render.
 *
 * <p>Every path under those four works the same ({@code /hello/some-case}), so a test can give its
 * requests a path of their own and find them in {@link #requestsTo(String)}: what the origin
 * received is what the proxy forwarded.
 */
public final class OriginServer implements AutoCloseable {

  public static final String HELLO_BODY = "hello from the origin\n";
  public static final int LARGE_BODY_SIZE = 8 * 1024 * 1024;

  /** The paragraph of {@link #PAGE_HTML}, as a browser's serialized DOM shows it. */
  public static final String PAGE_PARAGRAPH = "<p id=\"greeting\">hello from the origin</p>";

  public static final String PAGE_HTML =
      "<!DOCTYPE html><html><head><title>origin</title></head><body>"
          + PAGE_PARAGRAPH
          + "</body></html>\n";

  private static final byte[] LARGE_BODY = noise(LARGE_BODY_SIZE);

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<ReceivedRequest> received;

  private OriginServer(
      HttpServer server, ExecutorService executor, List<ReceivedRequest> received) {
    this.server = server;
    this.executor = executor;
    this.received = received;
  }

  /**
   * A request as the origin read it.
   *
   * @param path the path and query
   * @param headers every header, by lower-case name
   * @param body the body after the transfer coding was undone
   * @param clientPort the port of the connection it came on: one port, one connection
   */
  public record ReceivedRequest(
      String method, String path, Map<String, List<String>> headers, byte[] body, int clientPort) {

    /** The values of a header, by name without case; empty when it was not sent. */
    public List<String> header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    public String bodySha256() {
      return Digests.sha256(body);
    }
  }

  public static OriginServer start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      server.setExecutor(executor);
      List<ReceivedRequest> received = new CopyOnWriteArrayList<>();
      server.createContext(
          "/hello",
          exchange ->
              respond(exchange, received, body -> HELLO_BODY.getBytes(StandardCharsets.UTF_8)));
      server.createContext("/large", exchange -> respond(exchange, received, body -> LARGE_BODY));
      server.createContext("/echo", exchange -> respond(exchange, received, body -> body));
      server.createContext(
          "/page",
          exchange ->
              respond(
                  exchange,
                  received,
                  "text/html; charset=utf-8",
                  body -> PAGE_HTML.getBytes(StandardCharsets.UTF_8)));
      server.start();
      return new OriginServer(server, executor, received);
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

  /** The requests received so far whose path starts with {@code pathPrefix}, in arrival order. */
  public List<ReceivedRequest> requestsTo(String pathPrefix) {
    return received.stream().filter(request -> request.path().startsWith(pathPrefix)).toList();
  }

  private static void respond(
      HttpExchange exchange, List<ReceivedRequest> received, UnaryOperator<byte[]> answer)
      throws IOException {
    respond(exchange, received, "application/octet-stream", answer);
  }

  private static void respond(
      HttpExchange exchange,
      List<ReceivedRequest> received,
      String contentType,
      UnaryOperator<byte[]> answer)
      throws IOException {
    try (exchange) {
      byte[] requestBody = exchange.getRequestBody().readAllBytes();
      received.add(record(exchange, requestBody));
      byte[] body = answer.apply(requestBody);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static ReceivedRequest record(HttpExchange exchange, byte[] body) {
    Map<String, List<String>> headers = new TreeMap<>();
    exchange
        .getRequestHeaders()
        .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    return new ReceivedRequest(
        exchange.getRequestMethod(),
        exchange.getRequestURI().toString(),
        Map.copyOf(headers),
        body,
        exchange.getRemoteAddress().getPort());
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
