package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiKeysApiTest {

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
  void aKeyIsShownOnceAndWorksAtOnce() {
    var created =
        api.call("POST", "/api/v1/api-keys")
            .admin()
            .json("{\"name\":\"ci\",\"scope\":\"read\"}")
            .send()
            .expect(201);
    JsonNode key = created.json();
    String secret = key.get("key").asText();

    assertThat(secret)
        .matches("zcp_[0-9a-f]{12}_[0-9a-f]{64}")
        .startsWith("zcp_" + key.get("id").asText());
    assertThat(key.get("scope").asText()).isEqualTo("read");
    assertThat(key.get("expiresAt").isNull()).isTrue();
    assertThat(created.header("Location"))
        .hasValueSatisfying(
            l -> assertThat(l).endsWith("/api/v1/api-keys/" + key.get("id").asText()));
    api.get("/api/v1/users").key(secret).send().expect(200);

    JsonNode listed =
        api.get("/api/v1/api-keys/" + key.get("id").asText()).admin().send().expect(200).json();
    assertThat(listed.has("key")).isFalse();
    assertThat(api.get("/api/v1/api-keys").admin().send().body())
        .doesNotContain(secret.substring(17));
  }

  @Test
  void revocationTakesEffectAtOnce() {
    JsonNode key =
        api.call("POST", "/api/v1/api-keys")
            .admin()
            .json("{\"name\":\"temp\",\"scope\":\"admin\"}")
            .send()
            .expect(201)
            .json();
    String secret = key.get("key").asText();
    api.get("/api/v1/users").key(secret).send().expect(200);

    api.call("DELETE", "/api/v1/api-keys/" + key.get("id").asText()).admin().send().expect(204);

    api.get("/api/v1/users").key(secret).send().problem(401);
    assertThat(
            api.get("/api/v1/api-keys/" + key.get("id").asText())
                .admin()
                .send()
                .json()
                .get("revokedAt")
                .isNull())
        .isFalse();
  }

  @Test
  void anExpiredKeyIsRefused() {
    JsonNode key =
        api.call("POST", "/api/v1/api-keys")
            .admin()
            .json(
                "{\"name\":\"short\",\"scope\":\"read\",\"expiresAt\":\""
                    + api.clock.instant().plusSeconds(60)
                    + "\"}")
            .send()
            .expect(201)
            .json();
    api.get("/api/v1/users").key(key.get("key").asText()).send().expect(200);

    api.clock.advance(Duration.ofSeconds(60));

    api.get("/api/v1/users").key(key.get("key").asText()).send().problem(401);
  }

  @Test
  void badKeyRequestsAreNamed() {
    JsonNode problem =
        api.call("POST", "/api/v1/api-keys")
            .admin()
            .json("{\"name\":\"\",\"scope\":\"root\",\"expiresAt\":\"tomorrow\"}")
            .send()
            .problem(400);

    assertThat(problem.get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("name", "scope", "expiresAt");
    api.call("POST", "/api/v1/api-keys")
        .admin()
        .json("{\"name\":\"past\",\"scope\":\"read\",\"expiresAt\":\"2000-01-01T00:00:00Z\"}")
        .send()
        .problem(400);
    api.call("DELETE", "/api/v1/api-keys/ffffffffffff").admin().send().problem(404);
    api.get("/api/v1/api-keys/not-an-id").admin().send().problem(404);
  }
}
