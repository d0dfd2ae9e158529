package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PolicyApiTest {

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
  void theSnapshotIsThePolicyInTheResourceShapesWithItsRevision() {
    JsonNode alice =
        api.call("POST", "/api/v1/users")
            .admin()
            .json("{\"name\":\"alice\",\"password\":\"pw\",\"groups\":[\"staff\"]}")
            .send()
            .expect(201)
            .json();
    JsonNode rule =
        api.call("POST", "/api/v1/rules")
            .admin()
            .json("{\"action\":\"allow\",\"groups\":[\"staff\"],\"destinations\":[\"*\"]}")
            .send()
            .expect(201)
            .json();

    var reply = api.get("/api/v1/policy/snapshot").admin().send().expect(200);
    JsonNode snapshot = reply.json();

    assertThat(snapshot.get("revision").asLong()).isEqualTo(rule.get("version").asLong());
    assertThat(reply.header("ETag")).hasValue("\"" + snapshot.get("revision").asLong() + "\"");
    assertThat(snapshot.get("anonymous").asBoolean()).isFalse();
    assertThat(snapshot.get("users")).containsExactly(alice);
    assertThat(snapshot.get("rules")).containsExactly(rule);
  }

  @Test
  void theSigningKeyIsServedToReadAndProxyKeysAsBase64SubjectPublicKeyInfo() throws Exception {
    for (String key : new String[] {api.readKey, api.proxyKey, api.adminKey}) {
      JsonNode body = api.get("/api/v1/policy/signing-key").key(key).send().expect(200).json();

      assertThat(body.get("algorithm").asText()).isEqualTo("Ed25519");
      assertThat(body.get("keyId").asText()).isEqualTo(api.policyKey.keyId());
      byte[] publicKey = java.util.Base64.getDecoder().decode(body.get("publicKey").asText());
      assertThat(publicKey).isEqualTo(api.policyKey.publicKey());
      assertThat(
              java.security.KeyFactory.getInstance("Ed25519")
                  .generatePublic(new java.security.spec.X509EncodedKeySpec(publicKey))
                  .getAlgorithm())
          .isIn("Ed25519", "EdDSA");
      assertThat(body.size()).isEqualTo(3);
    }
    api.get("/api/v1/policy/signing-key").send().problem(401);
  }

  @Test
  void anUnchangedSnapshotIsNotSentAgain() {
    String etag =
        api.get("/api/v1/policy/snapshot").admin().send().expect(200).header("ETag").orElseThrow();

    api.get("/api/v1/policy/snapshot").admin().header("If-None-Match", etag).send().expect(304);
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"bob\",\"password\":\"pw\"}")
        .send()
        .expect(201);
    api.get("/api/v1/policy/snapshot").admin().header("If-None-Match", etag).send().expect(200);
  }

  @Test
  void settingsAreVersionedLikeEverythingElse() {
    JsonNode settings = api.get("/api/v1/policy/settings").admin().send().expect(200).json();
    assertThat(settings.get("anonymous").asBoolean()).isFalse();

    api.call("PUT", "/api/v1/policy/settings")
        .admin()
        .json("{\"anonymous\":true}")
        .send()
        .problem(428);
    JsonNode on =
        api.call("PUT", "/api/v1/policy/settings")
            .admin()
            .ifMatch(settings)
            .json("{\"anonymous\":true}")
            .send()
            .expect(200)
            .json();

    assertThat(on.get("anonymous").asBoolean()).isTrue();
    assertThat(
            api.get("/api/v1/policy/snapshot").admin().send().json().get("anonymous").asBoolean())
        .isTrue();
    api.call("PUT", "/api/v1/policy/settings")
        .admin()
        .ifMatch(settings)
        .json("{\"anonymous\":false}")
        .send()
        .problem(412);
  }

  @Test
  void theAuditLogSaysWhoChangedWhat() {
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"alice\",\"password\":\"pw\"}")
        .send()
        .expect(201);

    JsonNode newest =
        api.get("/api/v1/audit?limit=1").admin().send().expect(200).json().get("items").get(0);

    assertThat(newest.get("action").asText()).isEqualTo("user.create");
    assertThat(newest.get("target").asText()).isEqualTo("alice");
    assertThat(newest.get("actor").asText()).isEqualTo(api.adminKey.substring(4, 16));
    assertThat(newest.get("revision").asLong()).isPositive();
  }
}
