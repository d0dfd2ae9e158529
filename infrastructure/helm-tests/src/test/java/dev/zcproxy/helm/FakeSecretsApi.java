package dev.zcproxy.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The two API calls Helm's {@code lookup} makes for a Secret (discovery of /api/v1, then a GET of
 * the Secret), served on loopback and named by the kubeconfig that surefire points $KUBECONFIG at.
 * helm-java's template evaluates {@code lookup} against a cluster, and no API server runs here. It
 * answers 404 (Helm then generates a value) unless a test has put a live Secret in place, which is
 * how the "generated once, kept on upgrade" path is proven through Helm's own lookup.
 */
final class FakeSecretsApi {

  private static final Map<String, Map<String, String>> SECRETS = new ConcurrentHashMap<>();
  private static HttpServer server;

  private FakeSecretsApi() {}

  static synchronized void start() {
    if (server != null) {
      return;
    }
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      server.createContext("/", FakeSecretsApi::handle);
      server.start();
      Path kubeconfig = Path.of(System.getProperty("zcproxy.kubeconfig"));
      Files.createDirectories(kubeconfig.getParent());
      Files.writeString(
          kubeconfig,
          """
          apiVersion: v1
          kind: Config
          clusters:
            - name: fake
              cluster:
                server: http://127.0.0.1:%d
          users:
            - name: fake
              user:
                token: not-a-secret
          contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
                namespace: %s
          current-context: fake
          """
              .formatted(server.getAddress().getPort(), RenderedChart.NAMESPACE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes a Secret "live" in the release namespace until {@link #forget}. */
  static void put(String name, Map<String, String> data) {
    SECRETS.put(name, data);
  }

  static void forget(String name) {
    SECRETS.remove(name);
  }

  private static void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String prefix = "/api/v1/namespaces/" + RenderedChart.NAMESPACE + "/secrets/";
    if (path.equals("/api/v1")) {
      respond(
          exchange,
          200,
          """
          {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
            {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
             "verbs":["get","list"]}]}""");
    } else if (path.equals("/version")) {
      respond(
          exchange,
          200,
          """
          {"major":"1","minor":"29","gitVersion":"v1.29.0","platform":"linux/amd64"}""");
    } else if (path.startsWith(prefix) && SECRETS.containsKey(path.substring(prefix.length()))) {
      String name = path.substring(prefix.length());
      StringBuilder data = new StringBuilder();
      SECRETS
          .get(name)
          .forEach(
              (key, value) ->
                  data.append(data.isEmpty() ? "" : ",")
                      .append('"')
                      .append(key)
                      .append("\":\"")
                      .append(
                          Base64.getEncoder()
                              .encodeToString(value.getBytes(StandardCharsets.UTF_8)))
                      .append('"'));
      respond(
          exchange,
          200,
          """
          {"kind":"Secret","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},"data":{%s}}"""
              .formatted(name, RenderedChart.NAMESPACE, data));
    } else {
      respond(
          exchange,
          404,
          """
          {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}""");
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
