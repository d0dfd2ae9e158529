package dev.zcproxy.inbound.netty.http.h3;

import static dev.zcproxy.inbound.netty.http.h3.Http3ConnectTest.ALICE;
import static dev.zcproxy.inbound.netty.http.h3.Http3TestClient.AWAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.SocketTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.Http3Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Forwarding of {@code http://} requests over HTTP/3 (RFC 9114 §4.3.1) to a real HTTP/1.1 origin
 * (the JDK's HTTP server), through the same exchange and upstream pool as HTTP/1.1 and HTTP/2.
 */
class Http3ForwardTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ExecutorService originThreads = Executors.newCachedThreadPool();
  private final Map<String, com.sun.net.httpserver.Headers> seen = new ConcurrentHashMap<>();
  private HttpServer origin;
  private ProxyServer server;
  private Http3TestClient client;

  @BeforeEach
  void start() throws Exception {
    origin = HttpServer.create(new InetSocketAddress(SocketTestKit.LOOPBACK, 0), 16);
    origin.setExecutor(originThreads);
    origin.createContext("/hello", this::hello);
    origin.createContext("/upload", this::upload);
    origin.start();
    server = Http3ConnectTest.newServer(Http3ConnectTest.quicSettings(), registry);
    server.start();
    client = new Http3TestClient(server.quicAddress().orElseThrow(), false);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    origin.stop(0);
    originThreads.shutdownNow();
  }

  private void hello(HttpExchange exchange) throws IOException {
    seen.put("hello", exchange.getRequestHeaders());
    exchange.getRequestBody().readAllBytes();
    byte[] body = ("hello " + exchange.getRequestMethod()).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("X-Origin", "yes");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** Answers with the SHA-256 of the request body. */
  private void upload(HttpExchange exchange) throws IOException {
    seen.put("upload", exchange.getRequestHeaders());
    byte[] body;
    try {
      body =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(exchange.getRequestBody().readAllBytes()))
              .getBytes(StandardCharsets.US_ASCII);
    } catch (java.security.NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private Http3Headers request(String method, String authority, String path) {
    return new DefaultHttp3Headers()
        .method(method)
        .scheme("http")
        .authority(authority)
        .path(path)
        .set("proxy-authorization", ALICE);
  }

  private String originAuthority() {
    return "127.0.0.1:" + origin.getAddress().getPort();
  }

  @Test
  void a_get_is_forwarded_with_via_and_its_response_comes_back_whole() throws Exception {
    Http3TestClient.Stream get = client.request(request("GET", originAuthority(), "/hello?x=1"));
    get.finish();
    assertThat(get.status()).isEqualTo("200");
    get.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(new String(get.body(), StandardCharsets.UTF_8)).isEqualTo("hello GET");
    assertThat(get.response.get().get("x-origin").toString()).isEqualTo("yes");
    // Via names the version each hop received: HTTP/3 from the client, HTTP/1.1 from the origin
    assertThat(seen.get("hello").getFirst("Via")).startsWith("3 zcproxy-");
    assertThat(get.response.get().get("via").toString()).startsWith("1.1 zcproxy-");
    assertThat(seen.get("hello").getFirst("Host")).isEqualTo(originAuthority());
    assertThat(seen.get("hello").getFirst("Proxy-Authorization")).isNull();
    assertThat(registry.find("zcproxy.quic.streams").tag("kind", "forward").counter().count())
        .isEqualTo(1);
  }

  @Test
  void a_request_body_goes_upstream_whole() throws Exception {
    byte[] body = new byte[3 * 1024 * 1024 + 17];
    new Random(3).nextBytes(body);
    Http3TestClient.Stream post = client.request(request("POST", originAuthority(), "/upload"));
    for (int offset = 0; offset < body.length; offset += 32 * 1024) {
      post.send(
          java.util.Arrays.copyOfRange(body, offset, Math.min(body.length, offset + 32 * 1024)));
    }
    post.finish();
    assertThat(post.status()).isEqualTo("200");
    post.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(new String(post.body(), StandardCharsets.US_ASCII))
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    assertThat(seen.get("upload").getFirst("Transfer-encoding")).isEqualTo("chunked");
  }

  @Test
  void the_same_refusals_as_http2() throws Exception {
    Http3TestClient.Stream https =
        client.request(request("GET", originAuthority(), "/").scheme("https"));
    https.finish();
    assertThat(https.status()).isEqualTo("400");

    Http3TestClient.Stream ftp =
        client.request(request("GET", originAuthority(), "/").scheme("ftp"));
    ftp.finish();
    assertThat(ftp.status()).isEqualTo("501");

    Http3TestClient.Stream denied =
        client.request(request("GET", "127.0.0.1:" + Http3ConnectTest.DENIED_PORT, "/"));
    denied.finish();
    assertThat(denied.status()).isEqualTo("403");

    Http3TestClient.Stream loop =
        client.request(
            request("GET", originAuthority(), "/hello")
                .set("via", "1.1 someone, 3 " + viaOfThisProxy()));
    loop.finish();
    assertThat(loop.status()).as("a request that passed this proxy before").isEqualTo("508");
  }

  /** This proxy's Via pseudonym, learned from a response. */
  private String viaOfThisProxy() throws Exception {
    Http3TestClient.Stream get = client.request(request("GET", originAuthority(), "/hello"));
    get.finish();
    get.fin.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    String via = get.response.get().get("via").toString();
    return via.substring(via.indexOf(' ') + 1);
  }
}
