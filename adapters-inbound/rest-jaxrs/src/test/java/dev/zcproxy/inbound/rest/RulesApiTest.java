package dev.zcproxy.inbound.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RulesApiTest {

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
  void aRuleMirrorsThePolicyFile() {
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"alice\",\"password\":\"pw\"}")
        .send()
        .expect(201);

    JsonNode rule =
        create(
            "{\"action\":\"deny\",\"users\":[\"alice\"],\"groups\":[\"staff\"],"
                + "\"destinations\":[\"*.example.com\",\"10.0.0.0/8\",\"::1\",\"*\",\"Example.org\"],"
                + "\"ports\":[443,\"8000-8999\"],\"protocols\":[\"udp\",\"TCP\"]}");

    assertThat(rule.get("action").asText()).isEqualTo("deny");
    assertThat(rule.get("destinations").toString())
        .isEqualTo(
            "[\"*.example.com\",\"10.0.0.0/8\",\"0:0:0:0:0:0:0:1/128\",\"*\",\"example.org\"]");
    assertThat(rule.get("ports").toString()).isEqualTo("[\"443\",\"8000-8999\"]");
    assertThat(rule.get("protocols").toString()).isEqualTo("[\"tcp\",\"udp\"]");
    assertThat(rule.get("position").asInt()).isEqualTo(1);
    assertThat(
            api.get("/api/v1/rules/" + rule.get("id").asText()).admin().send().expect(200).json())
        .isEqualTo(rule);
  }

  @Test
  void rulesAreOrderedAndMovedExplicitly() {
    JsonNode a = create("{\"action\":\"allow\",\"destinations\":[\"a.example\"]}");
    JsonNode b = create("{\"action\":\"allow\",\"destinations\":[\"b.example\"]}");
    JsonNode c = create("{\"action\":\"deny\",\"destinations\":[\"c.example\"],\"position\":1}");
    assertThat(order()).containsExactly(id(c), id(a), id(b));

    JsonNode moved =
        api.call("POST", "/api/v1/rules/" + id(b) + "/move")
            .admin()
            .ifMatch(b)
            .json("{\"position\":1}")
            .send()
            .expect(200)
            .json();

    assertThat(moved.get("position").asInt()).isEqualTo(1);
    assertThat(order()).containsExactly(id(b), id(c), id(a));
    api.call("POST", "/api/v1/rules/" + id(b) + "/move")
        .admin()
        .json("{\"position\":2}")
        .send()
        .problem(428);
    api.call("POST", "/api/v1/rules/" + id(b) + "/move")
        .admin()
        .ifMatch(b)
        .json("{\"position\":2}")
        .send()
        .problem(412);
    JsonNode beyond =
        api.call("POST", "/api/v1/rules/" + id(b) + "/move")
            .admin()
            .ifMatch(moved)
            .json("{\"position\":9}")
            .send()
            .problem(400);
    assertThat(beyond.get("errors").get(0).get("field").asText()).isEqualTo("position");
  }

  @Test
  void replaceKeepsThePositionAndIgnoresReadOnlyFields() {
    create("{\"action\":\"allow\",\"destinations\":[\"a.example\"]}");
    JsonNode b = create("{\"action\":\"allow\",\"destinations\":[\"b.example\"]}");
    String sentBack =
        b.toString().replace("b.example", "z.example").replace("\"position\":2", "\"position\":1");

    JsonNode replaced =
        api.call("PUT", "/api/v1/rules/" + id(b))
            .admin()
            .ifMatch(b)
            .json(sentBack)
            .send()
            .expect(200)
            .json();

    assertThat(replaced.get("position").asInt()).isEqualTo(2);
    assertThat(replaced.get("destinations").get(0).asText()).isEqualTo("z.example");
    api.call("DELETE", "/api/v1/rules/" + id(b)).admin().ifMatch(replaced).send().expect(204);
    api.get("/api/v1/rules/" + id(b)).admin().send().problem(404);
  }

  @Test
  void badFieldsAreAllNamed() {
    JsonNode problem =
        api.call("POST", "/api/v1/rules")
            .admin()
            .json(
                "{\"action\":\"maybe\",\"users\":[\"ghost\"],\"destinations\":[\"10.0.0.0/33\",\"bad host!\"],"
                    + "\"ports\":[0,\"80-70\",true],\"protocols\":[\"sctp\"],\"position\":0}")
            .send()
            .problem(400);

    assertThat(problem.get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder(
            "action",
            "destinations[0]",
            "destinations[1]",
            "ports[0]",
            "ports[1]",
            "ports[2]",
            "protocols[0]",
            "position");
    api.call("POST", "/api/v1/rules")
        .admin()
        .json("{\"action\":\"allow\",\"destinations\":[]}")
        .send()
        .problem(400);
  }

  @Test
  void aRuleMayNameOnlyExistingUsers() {
    JsonNode problem =
        api.call("POST", "/api/v1/rules")
            .admin()
            .json("{\"action\":\"allow\",\"users\":[\"ghost\"],\"destinations\":[\"*\"]}")
            .send()
            .problem(400);

    assertThat(problem.get("errors").get(0).get("message").asText())
        .contains("unknown user 'ghost'");
  }

  @Test
  void aUserNamedByARuleCannotBeDeleted() {
    api.call("POST", "/api/v1/users")
        .admin()
        .json("{\"name\":\"alice\",\"password\":\"pw\"}")
        .send()
        .expect(201);
    create("{\"action\":\"allow\",\"users\":[\"alice\"],\"destinations\":[\"*\"]}");

    api.call("DELETE", "/api/v1/users/alice").admin().header("If-Match", "*").send().problem(409);
  }

  @Test
  void rulesArePagedInOrder() {
    for (int i = 0; i < 5; i++) {
      create("{\"action\":\"allow\",\"destinations\":[\"r" + i + ".example\"]}");
    }

    JsonNode first = api.get("/api/v1/rules?limit=3").admin().send().expect(200).json();
    JsonNode second =
        api.get("/api/v1/rules?limit=3&cursor=" + first.get("next").asText())
            .admin()
            .send()
            .expect(200)
            .json();

    assertThat(first.get("items").findValues("position"))
        .extracting(JsonNode::asInt)
        .containsExactly(1, 2, 3);
    assertThat(second.get("items").findValues("position"))
        .extracting(JsonNode::asInt)
        .containsExactly(4, 5);
    assertThat(second.get("next").isNull()).isTrue();
    api.get("/api/v1/rules?cursor=not-ours").admin().send().problem(400);
  }

  private JsonNode create(String json) {
    return api.call("POST", "/api/v1/rules").admin().json(json).send().expect(201).json();
  }

  private List<String> order() {
    return api.get("/api/v1/rules")
        .admin()
        .send()
        .expect(200)
        .json()
        .get("items")
        .findValuesAsText("id");
  }

  private static String id(JsonNode rule) {
    return rule.get("id").asText();
  }
}
