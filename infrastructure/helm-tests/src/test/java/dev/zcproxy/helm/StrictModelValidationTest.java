package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every rendered object, checked by two strict validators that catch different mistakes:
 * client-java-api's {@code fromJson} (unknown fields, wrong types) and npm kubernetes-models (ajv:
 * enums, required fields), plus the prometheus-operator models and our own schema for the
 * NetworkAttachmentDefinition and its CNI config.
 */
class StrictModelValidationTest {

  static final List<String> SETS = RenderedChart.VALUES_SETS;

  /** The Kubernetes kinds the chart renders, each with its strict Java model. */
  static final Map<String, JavaModel> JAVA_MODELS =
      Map.of(
          "ConfigMap", V1ConfigMap::fromJson,
          "Secret", V1Secret::fromJson,
          "Service", V1Service::fromJson,
          "Deployment", V1Deployment::fromJson,
          "StatefulSet", V1StatefulSet::fromJson,
          "NetworkPolicy", V1NetworkPolicy::fromJson,
          "PodDisruptionBudget", V1PodDisruptionBudget::fromJson,
          "HorizontalPodAutoscaler", V2HorizontalPodAutoscaler::fromJson);

  /** Custom resources: no Java model; node checks them. */
  static final Set<String> CUSTOM_KINDS =
      Set.of("ServiceMonitor", "PrometheusRule", "NetworkAttachmentDefinition");

  interface JavaModel {
    Object fromJson(String json) throws IOException;
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void client_java_api_accepts_every_built_in_object(String set) throws Exception {
    for (Map<String, Object> object : RenderedChart.render(set)) {
      String kind = (String) object.get("kind");
      if (CUSTOM_KINDS.contains(kind)) {
        continue;
      }
      assertThat(JAVA_MODELS).as("a strict model for %s", kind).containsKey(kind);
      JAVA_MODELS.get(kind).fromJson(json(object));
    }
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void kubernetes_models_accept_every_object(String set) {
    List<Map<String, Object>> objects = RenderedChart.render(set);
    List<Map<String, Object>> results = NodeValidator.validate(objects);
    assertThat(results).hasSameSizeAs(objects);
    List<String> failures = new ArrayList<>();
    for (Map<String, Object> result : results) {
      if (!Boolean.TRUE.equals(result.get("ok"))) {
        failures.add(
            RenderedChart.describe(objects.get((Integer) result.get("index")))
                + ": "
                + result.get("error"));
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void client_java_api_refuses_an_unknown_field_in_a_rendered_deployment() throws Exception {
    Map<String, Object> deployment =
        RenderedChart.deepCopy(
            RenderedChart.ofKind(RenderedChart.render("default"), "Deployment").getFirst());
    Map<String, Object> container =
        RenderedChart.list(
                RenderedChart.map(RenderedChart.podTemplate(deployment), "spec"), "containers")
            .getFirst();
    container.put("imagePullPolicyy", "Always");
    String json = json(deployment);
    assertThatThrownBy(() -> V1Deployment.fromJson(json)).hasMessageContaining("imagePullPolicyy");
  }

  @Test
  void kubernetes_models_refuse_a_wrong_enum_and_a_missing_required_field() {
    Map<String, Object> service =
        RenderedChart.deepCopy(
            RenderedChart.ofKind(RenderedChart.render("default"), "Service").getFirst());
    RenderedChart.map(service, "spec").put("type", "Balanced");
    Map<String, Object> deployment =
        RenderedChart.deepCopy(
            RenderedChart.ofKind(RenderedChart.render("default"), "Deployment").getFirst());
    RenderedChart.list(
            RenderedChart.map(RenderedChart.podTemplate(deployment), "spec"), "containers")
        .getFirst()
        .remove("name");
    List<Map<String, Object>> results = NodeValidator.validate(List.of(service, deployment));
    assertThat(results).extracting(r -> r.get("ok")).containsExactly(false, false);
    assertThat((String) results.get(0).get("error")).contains("spec/type");
    assertThat((String) results.get(1).get("error")).contains("name");
  }

  @Test
  void the_attachment_is_checked_against_our_schema_and_its_cni_config_must_parse() {
    Map<String, Object> attachment =
        RenderedChart.ofKind(RenderedChart.render("fastpath"), "NetworkAttachmentDefinition")
            .getFirst();
    Map<String, Object> broken = RenderedChart.deepCopy(attachment);
    String config = (String) RenderedChart.map(broken, "spec").get("config");
    RenderedChart.map(broken, "spec").put("config", config.substring(0, config.length() - 1));
    Map<String, Object> wrongMode = RenderedChart.deepCopy(attachment);
    RenderedChart.map(wrongMode, "spec").put("config", config.replace("\"bridge\"", "\"bridged\""));
    Map<String, Object> extraField = RenderedChart.deepCopy(attachment);
    RenderedChart.map(extraField, "spec").put("configs", config);
    List<Map<String, Object>> results =
        NodeValidator.validate(List.of(attachment, broken, wrongMode, extraField));
    assertThat(results).extracting(r -> r.get("ok")).containsExactly(true, false, false, false);
    assertThat((String) results.get(1).get("error")).contains("not JSON");
    assertThat((String) results.get(2).get("error")).contains("mode");
  }

  @Test
  void the_prometheus_operator_models_check_the_service_monitor() {
    Map<String, Object> monitor =
        RenderedChart.deepCopy(
            RenderedChart.ofKind(RenderedChart.render("operator"), "ServiceMonitor").getFirst());
    RenderedChart.list(RenderedChart.map(monitor, "spec"), "endpoints")
        .getFirst()
        .put("scheme", "ftp");
    List<Map<String, Object>> results = NodeValidator.validate(List.of(monitor));
    assertThat(results.getFirst().get("ok")).isEqualTo(false);
    assertThat((String) results.getFirst().get("error")).contains("scheme");
  }

  static String json(Map<String, Object> object) throws JsonProcessingException {
    return NodeValidator.JSON.writeValueAsString(object);
  }
}
