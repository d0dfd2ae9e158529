package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UsersApiTest {

  private static ApiHarness api;

  @BeforeAll
  static void start() {
    api = new ApiHarness();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void createReadReplaceDelete() {
    var created =
        api.call("POST", "/api/v1/users")
            .admin()
            .json("{\"name\":\"alice\",\"password\":\"wonderland\",\"groups\":[\"staff\",\"ops\"]}")
            .send()
            .expect(201);
    JsonNode alice = created.json();
    assertThat(alice.get("name").asText()).isEqualTo("alice");
    assertThat(alice.get("groups").toString()).isEqualTo("[\"ops\",\"staff\"]");
    assertThat(alice.get("enabled").asBoolean()).isTrue();
    assertThat(alice.has("password")).isFalse();
    assertThat(alice.has("passwordHash")).isFalse();
    assertThat(created.header("ETag")).hasValue("\"" + alice.get("version").asLong() + "\"");
    assertThat(created.header("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/api/v1/users/alice"));

    var read = api.get("/api/v1/users/alice").admin().send().expect(200);
    assertThat(read.json()).isEqualTo(alice);

    JsonNode replaced =
        api.call("PUT", "/api/v1/users/alice")
            .admin()
            .ifMatch(alice)
            .json("{\"groups\":[\"ops\"],\"enabled\":false}")
            .send()
            .expect(200)
            .json();
    assertThat(replaced.get("enabled").asBoolean()).isFalse();
    assertThat(replaced.get("version").asLong()).isGreaterThan(alice.get("version").asLong());

    api.call("PUT", "/api/v1/users/alice")
        .admin()
        .ifMatch(alice)
        .json("{\"groups\":[]}")
        .send()
        .problem(412);
    api.call("DELETE", "/api/v1/users/alice").admin().ifMatch(alice).send().problem(412);
    api.call("DELETE", "/api/v1/users/alice").admin().ifMatch(replaced).send().expect(204);
    api.get("/api/v1/users/alice").admin().send().problem(404);
  }

  @Test
  void writesToExistingUsersNeedIfMatch() {
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"bob\",\"password\":\"pw\"}")
        .send()
        .expect(201);

    JsonNode problem = api.call("PUT", "/api/v1/users/bob").admin().json("{}").send().problem(428);
    assertThat(problem.get("type").asText()).isEqualTo("urn:zcproxy:problem:if-match-required");
    api.call("DELETE", "/api/v1/users/bob").admin().send().problem(428);
    api.call("DELETE", "/api/v1/users/bob")
        .admin()
        .header("If-Match", "W/\"1\"")
        .send()
        .problem(400);
    api.call("DELETE", "/api/v1/users/bob").admin().header("If-Match", "*").send().expect(204);
  }

  @Test
  void everyInvalidFieldIsNamedAtOnce() {
    JsonNode problem =
        api.call("POST", "/api/v1/users")
            .admin()
            .json(
                "{\"name\":\"bad name\",\"groups\":[\"ok\", 7],\"enabled\":\"yes\",\"admin\":true}")
            .send()
            .problem(400);

    assertThat(problem.get("type").asText()).isEqualTo("urn:zcproxy:problem:validation");
    assertThat(problem.get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("admin", "name", "password", "groups[1]", "enabled");
  }

  @Test
  void aTakenNameIsAConflict() {
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"carol\",\"password\":\"pw\"}")
        .send()
        .expect(201);

    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"carol\",\"password\":\"x\"}")
        .send()
        .problem(409);
  }

  @Test
  void aUserCannotBeRenamed() {
    JsonNode dave =
        api.call("POST", "/api/v1/users")
            .admin()
            .json("{\"name\":\"dave\",\"password\":\"pw\"}")
            .send()
            .expect(201)
            .json();

    JsonNode problem =
        api.call("PUT", "/api/v1/users/dave")
            .admin()
            .ifMatch(dave)
            .json("{\"name\":\"david\"}")
            .send()
            .problem(400);
    assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("name");
  }

  @Test
  void usersAndGroupsArePaged() {
    for (String name : new String[] {"p1", "p2", "p3"}) {
      api.call("POST", "/api/v1/users")
          .admin()
          .json("{\"name\":\"" + name + "\",\"password\":\"pw\",\"groups\":[\"paged\"]}")
          .send()
          .expect(201);
    }

    JsonNode first = api.get("/api/v1/users?limit=2").admin().send().expect(200).json();
    assertThat(first.get("items")).hasSize(2);
    String next = first.get("next").asText();
    JsonNode rest =
        api.get("/api/v1/users?limit=200&cursor=" + next).admin().send().expect(200).json();
    assertThat(rest.get("items").findValuesAsText("name"))
        .doesNotContainAnyElementsOf(first.get("items").findValuesAsText("name"));
    assertThat(rest.get("next").isNull()).isTrue();

    JsonNode group = api.get("/api/v1/groups/paged").admin().send().expect(200).json();
    assertThat(group.get("members").toString()).isEqualTo("[\"p1\",\"p2\",\"p3\"]");
    api.get("/api/v1/groups/nobody-here").admin().send().problem(404);
    assertThat(
            api.get("/api/v1/groups")
                .admin()
                .send()
                .expect(200)
                .json()
                .get("items")
                .findValuesAsText("name"))
        .contains("paged");
  }
}
