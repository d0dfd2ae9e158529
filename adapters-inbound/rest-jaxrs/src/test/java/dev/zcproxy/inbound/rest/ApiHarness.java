package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zcproxy.domain.auth.AuthFailureThrottle;
import dev.zcproxy.domain.auth.Pbkdf2PasswordHasher;
import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.fakes.InMemoryStore;
import dev.zcproxy.domain.fixtures.MutableClock;
import dev.zcproxy.domain.port.in.CreateApiKeyCommand;
import dev.zcproxy.domain.service.AuthenticateApiKeyService;
import dev.zcproxy.domain.service.ManageAclService;
import dev.zcproxy.domain.service.ManageApiKeysService;
import dev.zcproxy.domain.service.ManageUsersService;
import dev.zcproxy.domain.service.PolicySigningKeyService;
import dev.zcproxy.domain.service.ReadAuditLogService;
import dev.zcproxy.domain.service.ReadPolicySnapshotService;
import dev.zcproxy.domain.state.Actor;
import dev.zcproxy.domain.state.ApiKeyScope;
import dev.zcproxy.domain.state.ApiKeyToken;
import dev.zcproxy.domain.state.CreatedApiKey;
import dev.zcproxy.domain.state.Outcome;
import dev.zcproxy.domain.state.PolicySigningKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The REST API on a real Jetty (port 0) over the domain services and the in-memory store, with an
 * admin, a read and a proxy key, and a client that speaks to it with {@link HttpClient}.
 */
final class ApiHarness implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final MutableClock clock = new MutableClock(StateFixtures.T0);
  final InMemoryStore store = new InMemoryStore();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ManageApiKeysService keys;
  final PolicySigningKey policyKey = PolicySigningKey.generate();
  final PolicySigningKeyService signingKey = PolicySigningKeyService.load(generate -> policyKey);
  final String adminKey;
  final String readKey;
  final String proxyKey;
  private final RestServer server;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .proxy(HttpClient.Builder.NO_PROXY)
          .build();

  ApiHarness() {
    StorePorts ports = store.ports();
    var random = new SecureRandom();
    keys = new ManageApiKeysService(store, ports.apiKeys(), ports.audit(), random, clock);
    var api =
        new StateApi(
            new AuthenticateApiKeyService(
                store,
                ports.apiKeys(),
                new AuthFailureThrottle(clock, 5, Duration.ofMinutes(1)),
                clock),
            new ManageUsersService(
                store,
                ports.users(),
                ports.rules(),
                ports.outbox(),
                ports.audit(),
                new Pbkdf2PasswordHasher(10_000),
                clock),
            new ManageAclService(
                store, ports.users(), ports.rules(), ports.outbox(), ports.audit(), clock),
            keys,
            new ReadPolicySnapshotService(store, ports.users(), ports.rules(), ports.outbox()),
            new ReadAuditLogService(store, ports.audit()),
            signingKey);
    ApiKeyToken bootstrap = ApiKeyToken.generate(random);
    keys.installBootstrapKey(bootstrap);
    adminKey = bootstrap.reveal();
    readKey = newKey("reader", ApiKeyScope.READ, Optional.empty()).token().reveal();
    proxyKey = newKey("proxy", ApiKeyScope.PROXY, Optional.empty()).token().reveal();
    server =
        RestServer.start(
            new RestServerSettings(new InetSocketAddress("127.0.0.1", 0), 4096, 8),
            api,
            registry,
            Map.of());
  }

  CreatedApiKey newKey(String name, ApiKeyScope scope, Optional<Instant> expiresAt) {
    Outcome<CreatedApiKey> created =
        keys.create(new CreateApiKeyCommand(name, scope, expiresAt), Actor.SYSTEM);
    return ((Outcome.Done<CreatedApiKey>) created).value();
  }

  URI uri(String path) {
    InetSocketAddress address = server.address();
    return URI.create("http://127.0.0.1:" + address.getPort() + path);
  }

  Call call(String method, String path) {
    return new Call(method, path);
  }

  Call get(String path) {
    return call("GET", path);
  }

  @Override
  public void close() {
    http.close();
    server.close();
  }

  /** One request, built fluently, sent with {@link #send()}. */
  final class Call {
    private final HttpRequest.Builder request;
    private HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
    private final String method;

    private Call(String method, String path) {
      this.method = method;
      this.request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
    }

    Call key(String key) {
      request.header("Authorization", "Bearer " + key);
      return this;
    }

    Call admin() {
      return key(adminKey);
    }

    Call header(String name, String value) {
      request.header(name, value);
      return this;
    }

    Call ifMatch(JsonNode resource) {
      return header("If-Match", "\"" + resource.get("version").asLong() + "\"");
    }

    Call json(String json) {
      request.header("Content-Type", "application/json");
      body = HttpRequest.BodyPublishers.ofString(json);
      return this;
    }

    Call body(HttpRequest.BodyPublisher publisher) {
      body = publisher;
      return this;
    }

    /**
     * Sends the request. The JDK client reuses pooled connections and retries only GET and HEAD on
     * one the server had closed meanwhile (Jetty closes after some refusals, such as a 428 to a PUT
     * whose body it did not read); a request that died that way never reached the server, so it is
     * sent once more on a fresh connection.
     */
    Reply send() {
      try {
        try {
          return new Reply(
              http.send(
                  request.method(method, body).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException closedUnderneath) {
          if (!String.valueOf(closedUnderneath.getMessage()).contains("received no bytes")) {
            throw closedUnderneath;
          }
          return new Reply(
              http.send(
                  request.method(method, body).build(), HttpResponse.BodyHandlers.ofString()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(method + " failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** What came back. */
  record Reply(HttpResponse<String> response) {
    int status() {
      return response.statusCode();
    }

    String body() {
      return response.body();
    }

    Optional<String> header(String name) {
      return response.headers().firstValue(name);
    }

    JsonNode json() {
      try {
        return JSON.readTree(response.body());
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + response.body(), e);
      }
    }

    Reply expect(int status) {
      assertThat(status())
          .as("%s %s: %s", response.request().method(), response.uri(), body())
          .isEqualTo(status);
      return this;
    }

    /** A problem document with this status. */
    JsonNode problem(int status) {
      expect(status);
      assertThat(header("Content-Type")).hasValue("application/problem+json");
      JsonNode problem = json();
      assertThat(problem.get("status").asInt()).isEqualTo(status);
      assertThat(problem.get("title").asText()).isNotBlank();
      return problem;
    }
  }
}
