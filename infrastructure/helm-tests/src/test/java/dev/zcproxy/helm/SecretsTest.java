package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Credentials: generated once and kept (Helm's lookup of the live Secret, served by {@link
 * FakeSecretsApi}), or taken from existingSecret, in which case the chart renders none of its own.
 */
class SecretsTest {

  static String value(List<Map<String, Object>> objects, String secret, String key) {
    var data =
        RenderedChart.map(
            RenderedChart.ofKind(objects, "Secret").stream()
                .filter(s -> RenderedChart.name(s).equals(secret))
                .findFirst()
                .orElseThrow(),
            "data");
    return new String(Base64.getDecoder().decode((String) data.get(key)), StandardCharsets.UTF_8);
  }

  @Test
  void a_fresh_install_generates_an_api_key_in_the_state_services_form_and_passwords() {
    var objects = RenderedChart.parse(RenderedChart.template("default", Map.of()));
    assertThat(value(objects, "zc-state-bootstrap", "api-key"))
        .matches("zcp_[0-9a-f]{12}_[0-9a-f]{64}");
    assertThat(value(objects, "zc-postgresql", "password")).matches("[A-Za-z0-9]{32}");
    String password = value(objects, "zc-rabbitmq", "password");
    assertThat(value(objects, "zc-rabbitmq", "default-user.conf"))
        .isEqualTo("default_user = zcproxy\ndefault_pass = " + password + "\n");
    var again = RenderedChart.parse(RenderedChart.template("default", Map.of()));
    assertThat(value(again, "zc-postgresql", "password"))
        .as("without a live Secret every render generates anew")
        .isNotEqualTo(value(objects, "zc-postgresql", "password"));
  }

  @Test
  void an_upgrade_keeps_the_live_values() {
    String key = "zcp_00112233aabb_" + "c".repeat(64);
    FakeSecretsApi.put("zc-state-bootstrap", Map.of("api-key", key));
    FakeSecretsApi.put("zc-postgresql", Map.of("password", "kept-db-password"));
    FakeSecretsApi.put("zc-rabbitmq", Map.of("password", "keptBroker", "username", "zcproxy"));
    FakeSecretsApi.put("zc-grafana", Map.of("admin-password", "kept-grafana"));
    try {
      var objects = RenderedChart.parse(RenderedChart.template("default", Map.of()));
      assertThat(value(objects, "zc-state-bootstrap", "api-key")).isEqualTo(key);
      assertThat(value(objects, "zc-postgresql", "password")).isEqualTo("kept-db-password");
      assertThat(value(objects, "zc-rabbitmq", "default-user.conf"))
          .contains("default_pass = keptBroker");
      assertThat(value(objects, "zc-grafana", "admin-password")).isEqualTo("kept-grafana");
    } finally {
      List.of("zc-state-bootstrap", "zc-postgresql", "zc-rabbitmq", "zc-grafana")
          .forEach(FakeSecretsApi::forget);
    }
  }

  @Test
  void generated_secrets_survive_uninstall_and_existing_secrets_replace_them() {
    for (var secret : RenderedChart.ofKind(RenderedChart.render("default"), "Secret")) {
      assertThat(RenderedChart.map(RenderedChart.map(secret, "metadata"), "annotations"))
          .as(RenderedChart.name(secret))
          .containsEntry("helm.sh/resource-policy", "keep");
    }
    // external-values names existing Secrets for the database, the broker and both API keys.
    assertThat(RenderedChart.ofKind(RenderedChart.render("external"), "Secret"))
        .extracting(RenderedChart::name)
        .containsExactly("zc-grafana");
  }

  @Test
  void no_secret_value_reaches_a_config_map_or_a_plain_env_value() {
    var objects = RenderedChart.render("default");
    var secrets =
        List.of(
            value(objects, "zc-state-bootstrap", "api-key"),
            value(objects, "zc-postgresql", "password"),
            value(objects, "zc-rabbitmq", "password"));
    String rest =
        RenderedChart.dump(objects.stream().filter(o -> !"Secret".equals(o.get("kind"))).toList());
    for (String secret : secrets) {
      assertThat(rest).doesNotContain(secret);
    }
  }
}
