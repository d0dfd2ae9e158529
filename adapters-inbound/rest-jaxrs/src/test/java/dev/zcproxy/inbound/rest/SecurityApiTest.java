package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OWASP API Security Top 10 items that apply to this API: broken authentication (missing,
 * malformed, revoked keys; keys in URLs; guessing), broken function-level authorization (scopes),
 * excessive data exposure (hashes), unrestricted resource consumption (body and page size), and
 * errors that say no more than they must.
 */
class SecurityApiTest {

  private ApiHarness api;

  @BeforeEach
  void start() {
    api = new ApiHarness();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void noKeyIsA401ChallengeEvenForPathsThatDoNotExist() {
    for (String path :
        List.of("/api/v1/users", "/api/v1/policy/snapshot", "/api/v1/no-such-thing")) {
      var reply = api.get(path).send();
      reply.problem(401);
      assertThat(reply.header("WWW-Authenticate")).hasValue("Bearer realm=\"zcproxy-state\"");
    }
    api.get("/api/v1/users").header("Authorization", "Basic YWRtaW46YWRtaW4=").send().problem(401);
  }

  @Test
  void aBadKeyIsA401WithInvalidToken() {
    var reply = api.get("/api/v1/users").key("zcp_000000000000_" + "0".repeat(64)).send();

    reply.problem(401);
    assertThat(reply.header("WWW-Authenticate"))
        .hasValueSatisfying(h -> assertThat(h).contains("error=\"invalid_token\""));
    api.get("/api/v1/users").key("not-a-key").send().problem(401);
  }

  @Test
  void scopesLimitWhatAKeyMayDo() {
    api.get("/api/v1/users").key(api.readKey).send().expect(200);
    JsonNode refused =
        api.call("POST", "/api/v1/users")
            .key(api.readKey)
            .json("{\"name\":\"x\",\"password\":\"pw\"}")
            .send()
            .problem(403);
    assertThat(refused.get("detail").asText()).contains("read key");
    api.call("DELETE", "/api/v1/rules/" + UUID.randomUUID())
        .key(api.readKey)
        .header("If-Match", "*")
        .send()
        .problem(403);
    api.get("/api/v1/api-keys").key(api.readKey).send().problem(403);
    api.get("/api/v1/audit").key(api.readKey).send().problem(403);

    api.get("/api/v1/policy/snapshot").key(api.proxyKey).send().expect(200);
    api.get("/api/v1/users").key(api.proxyKey).send().problem(403);
    api.get("/api/v1/policy/settings").key(api.proxyKey).send().problem(403);
  }

  @Test
  void passwordHashesAppearOnlyInTheProxysSnapshot() {
    List<String> bodies = new ArrayList<>();
    bodies.add(
        api.call("POST", "/api/v1/users")
            .admin()
            .json("{\"name\":\"alice\",\"password\":\"wonderland\",\"groups\":[\"g\"]}")
            .send()
            .expect(201)
            .body());
    bodies.add(api.get("/api/v1/users").admin().send().body());
    bodies.add(api.get("/api/v1/users/alice").admin().send().body());
    bodies.add(api.get("/api/v1/groups").admin().send().body());
    bodies.add(api.get("/api/v1/policy/snapshot").admin().send().body());
    bodies.add(api.get("/api/v1/policy/snapshot").key(api.readKey).send().body());
    bodies.add(api.get("/api/v1/audit").admin().send().body());
    bodies.add(api.get("/api/v1/api-keys").admin().send().body());

    assertThat(bodies)
        .allSatisfy(body -> assertThat(body).doesNotContain("pbkdf2").doesNotContain("wonderland"));
    JsonNode proxyView =
        api.get("/api/v1/policy/snapshot").key(api.proxyKey).send().expect(200).json();
    assertThat(proxyView.get("users").get(0).get("passwordHash").asText())
        .startsWith("$pbkdf2-sha256$");
  }

  @Test
  void aKeyInTheQueryStringIsRefusedAndNotProcessed() {
    for (String query : List.of("?api_key=" + api.adminKey, "?x=" + api.adminKey, "?token=abc")) {
      JsonNode problem =
          api.call("POST", "/api/v1/users" + query)
              .admin()
              .json("{\"name\":\"sneaky\",\"password\":\"pw\"}")
              .send()
              .problem(400);
      assertThat(problem.get("type").asText()).isEqualTo("urn:zcproxy:problem:key-in-query");
      assertThat(problem.toString()).doesNotContain(api.adminKey);
    }
    api.get("/api/v1/users/sneaky").admin().send().problem(404);
  }

  @Test
  void failedAttemptsAreThrottledPerSource() {
    for (int i = 0; i < 5; i++) {
      api.get("/api/v1/users").key("zcp_000000000000_" + "1".repeat(64)).send().problem(401);
    }

    var throttled = api.get("/api/v1/users").admin().send();

    throttled.problem(429);
    assertThat(throttled.header("Retry-After"))
        .hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
  }

  @Test
  void bodiesAreCappedWhetherOrNotTheirLengthIsAnnounced() {
    String big = "{\"name\":\"big\",\"password\":\"" + "x".repeat(5000) + "\"}";

    api.call("POST", "/api/v1/users").admin().json(big).send().problem(413);
    api.call("POST", "/api/v1/users")
        .admin()
        .header("Content-Type", "application/json")
        .body(unsizedBody(big))
        .send()
        .problem(413);
    api.get("/api/v1/users/big").admin().send().problem(404);
  }

  @Test
  void pageSizesAreCapped() {
    JsonNode problem = api.get("/api/v1/users?limit=201").admin().send().problem(400);

    assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("limit");
    api.get("/api/v1/users?limit=0").admin().send().problem(400);
    api.get("/api/v1/users?limit=200").admin().send().expect(200);
  }

  @Test
  void malformedRequestsGetProblemsNotStackTraces() {
    assertThat(
            api.call("POST", "/api/v1/users")
                .admin()
                .json("{\"name\":")
                .send()
                .problem(400)
                .get("type")
                .asText())
        .isEqualTo("urn:zcproxy:problem:malformed-json");
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"a\",\"name\":\"b\",\"password\":\"p\"}")
        .send()
        .problem(400);
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"a\",\"password\":\"p\"} {}")
        .send()
        .problem(400);
    api.call("POST", "/api/v1/users").admin().json("[1,2]").send().problem(400);
    api.call("POST", "/api/v1/users")
        .admin()
        .header("Content-Type", "text/plain")
        .body(HttpRequest.BodyPublishers.ofString("hi"))
        .send()
        .problem(415);
    var wrongMethod = api.call("PATCH", "/api/v1/users/alice").admin().json("{}").send();
    wrongMethod.problem(405);
    assertThat(wrongMethod.header("Allow")).isPresent();
    api.get("/api/v1/nothing-here").admin().send().problem(404);
    api.get("/elsewhere").send().problem(404);
  }

  @Test
  void anUnreachableStoreIsA503ThatClearsByItself() {
    api.store.unavailable(true);

    var reply = api.get("/api/v1/users").admin().send();
    reply.problem(503);
    assertThat(reply.header("Retry-After")).isPresent();

    api.store.unavailable(false);
    api.get("/api/v1/users").admin().send().expect(200);
  }

  @Test
  void theOpenApiDocumentIsPublicAndNothingIsCached() {
    var reply = api.get("/api/openapi.json").send().expect(200);

    assertThat(reply.json().get("openapi").asText()).isEqualTo("3.1.0");
    assertThat(api.get("/api/v1/users").admin().send().header("Cache-Control"))
        .hasValue("no-store");
  }

  @Test
  void requestsAreTimedByRouteNotByPath() {
    api.get("/api/v1/users/someone").admin().send().problem(404);

    assertThat(
            api.registry
                .find("zcproxy.state.http.requests")
                .tag("route", "/v1/users/{name}")
                .tag("status", "404")
                .timer())
        .isNotNull();
  }

  /** A body sent chunked, with no Content-Length to refuse it by. */
  private static HttpRequest.BodyPublisher unsizedBody(String text) {
    HttpRequest.BodyPublisher sized = HttpRequest.BodyPublishers.ofString(text);
    return new HttpRequest.BodyPublisher() {
      @Override
      public long contentLength() {
        return -1;
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        sized.subscribe(subscriber);
      }
    };
  }
}
