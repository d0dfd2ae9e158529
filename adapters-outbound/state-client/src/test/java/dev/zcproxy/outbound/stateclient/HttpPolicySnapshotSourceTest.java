package dev.zcproxy.outbound.stateclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.zcproxy.domain.port.out.PolicySourceUnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a local HTTP server that answers like the state service. */
class HttpPolicySnapshotSourceTest {

  private static final String KEY = "zcp_test_secret_key";

  private HttpServer server;
  private final List<String> authorizations = new ArrayList<>();
  private final List<String> conditions = new ArrayList<>();
  private volatile int status = 200;
  private volatile String body = Snapshots.body(9);
  private volatile String etag = "\"9\"";
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile boolean hang;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/api/v1/policy/snapshot", this::answer);
    server.createContext("/api/v1/policy/signing-key", this::answerKey);
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private synchronized void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
      String condition = exchange.getRequestHeaders().getFirst("If-None-Match");
      conditions.add(condition);
      if (hang) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (etag != null) {
        exchange.getResponseHeaders().set("ETag", etag);
      }
      if (condition != null && condition.equals(etag) && status == 200) {
        exchange.sendResponseHeaders(304, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange
          .getResponseHeaders()
          .set("Content-Type", status == 200 ? "application/json" : "application/problem+json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private volatile int keyStatus = 200;
  private volatile String keyBody =
      "{\"algorithm\":\"Ed25519\",\"keyId\":\"k1\",\"publicKey\":\"MCowBQYDK2VwAyEA\"}";

  private void answerKey(HttpExchange exchange) throws IOException {
    try (exchange) {
      authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
      byte[] bytes = keyBody.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(keyStatus, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  @Test
  void fetchesTheSigningKeyWithTheKey() {
    assertThat(source().fetchSigningKey())
        .isEqualTo(new PublishedSigningKey("Ed25519", "k1", "MCowBQYDK2VwAyEA"));
    assertThat(authorizations).containsExactly("Bearer " + KEY);
  }

  @Test
  void aSigningKeyAnswerThatIsNotOneIsRefusedNamingWhy() {
    keyBody = "{\"algorithm\":\"Ed25519\",\"keyId\":\"k1\"}";
    assertThatThrownBy(() -> source().fetchSigningKey())
        .isInstanceOf(PolicySourceUnavailableException.class)
        .hasMessageEndingWith(
            "/api/v1/policy/signing-key sent a signing key this proxy refuses: no text field"
                + " 'publicKey'");

    keyStatus = 403;
    keyBody = "{\"title\":\"Forbidden\",\"status\":403}";
    assertThatThrownBy(() -> source().fetchSigningKey())
        .hasMessageEndingWith("/api/v1/policy/signing-key answered 403 (Forbidden)")
        .message()
        .doesNotContain(KEY);
  }

  /** Patient: a first request on a busy machine (class loading, JIT) may take seconds. */
  private static final Duration PATIENT = Duration.ofSeconds(30);

  private HttpPolicySnapshotSource source(URI url) {
    return source(url, PATIENT);
  }

  private HttpPolicySnapshotSource source(URI url, Duration requestTimeout) {
    return new HttpPolicySnapshotSource(
        new StateServiceSettings(url, KEY, PATIENT, requestTimeout));
  }

  private URI serverUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  private HttpPolicySnapshotSource source() {
    return source(serverUrl());
  }

  @Test
  void fetchesTheSnapshotWithTheKey() {
    assertThat(source().fetch()).isEqualTo(Snapshots.sample(9, 0));
    assertThat(authorizations).containsExactly("Bearer " + KEY);
    assertThat(conditions).containsExactly((String) null);
  }

  @Test
  void anUnchangedRevisionIsA304AndAChangedOneABody() {
    assertThat(source().fetchIfChanged(9)).isEmpty();
    assertThat(source().fetchIfChanged(8)).contains(Snapshots.sample(9, 0));
    assertThat(conditions).containsExactly("\"9\"", "\"8\"");
  }

  @Test
  void anErrorStatusNamesTheStatusAndTitleButNeverTheKey() {
    status = 401;
    body = "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401}";

    assertThatThrownBy(() -> source().fetch())
        .isInstanceOf(PolicySourceUnavailableException.class)
        .hasMessageEndingWith("/api/v1/policy/snapshot answered 401 (Unauthorized)")
        .message()
        .doesNotContain(KEY);
  }

  @Test
  void aBodyThatDoesNotParseIsRefused() {
    body = Snapshots.body(9).replace("\"anonymous\":true", "\"anonymous\":\"yes\"");

    assertThatThrownBy(() -> source().fetch())
        .isInstanceOf(PolicySourceUnavailableException.class)
        .hasMessageContaining(
            "sent a snapshot this proxy refuses: anonymous: expected true or false");
  }

  @Test
  void anEtagThatDisagreesWithTheBodyIsRefused() {
    etag = "\"10\"";

    assertThatThrownBy(() -> source().fetch()).hasMessageContaining("does not match revision 9");
  }

  @Test
  void anUnreachableServiceIsUnavailable() throws IOException {
    int closedPort;
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    assertThatThrownBy(() -> source(URI.create("http://127.0.0.1:" + closedPort)).fetch())
        .isInstanceOf(PolicySourceUnavailableException.class)
        .hasMessageContaining("cannot reach it");
  }

  @Test
  void aServiceThatDoesNotAnswerTimesOut() {
    hang = true;

    assertThatThrownBy(() -> source(serverUrl(), Duration.ofMillis(1500)).fetch())
        .isInstanceOf(PolicySourceUnavailableException.class)
        .hasMessageContaining("no answer in time");
  }

  @Test
  void settingsAreValidatedAndNeverPrintTheKey() {
    var settings =
        new StateServiceSettings(
            URI.create("https://state.example:8443/base/"),
            KEY,
            Duration.ofSeconds(1),
            Duration.ofSeconds(1));

    assertThat(settings.snapshotUri())
        .isEqualTo(URI.create("https://state.example:8443/base/api/v1/policy/snapshot"));
    assertThat(settings.toString()).doesNotContain(KEY);
    assertThatThrownBy(
            () ->
                new StateServiceSettings(
                    URI.create("ftp://x"), KEY, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageContaining("http://");
    assertThatThrownBy(
            () ->
                new StateServiceSettings(
                    URI.create("http://u:p@x"), KEY, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageContaining("credentials");
  }
}
