package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.helm.NetworkPolicyEvaluator.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What every pod of the chart must carry, under every values set: pinned images, non-root,
 * read-only root, no capabilities (but the fast path's), seccomp, requests and a memory limit,
 * probes, no service-account token, the conventional labels, and a default-deny NetworkPolicy.
 */
class HygieneTest {

  static final List<String> SETS = RenderedChart.VALUES_SETS;
  static final Set<String> COMPONENTS =
      Set.of("proxy", "state", "postgresql", "rabbitmq", "artemis", "prometheus", "grafana");

  @ParameterizedTest
  @FieldSource("SETS")
  void every_pod_is_hardened_and_sized(String set) {
    List<String> problems = new ArrayList<>();
    for (Map<String, Object> workload : RenderedChart.workloads(RenderedChart.render(set))) {
      problems.addAll(problems(set, workload));
    }
    assertThat(problems).isEmpty();
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void every_pod_is_isolated_both_ways_by_a_network_policy(String set) {
    var objects = RenderedChart.render(set);
    var evaluator =
        new NetworkPolicyEvaluator(
            RenderedChart.ofKind(objects, "NetworkPolicy").stream()
                .map(p -> new Policy(RenderedChart.NAMESPACE, p))
                .toList());
    var endpoints = FlowMatrixTest.admittedFlows(objects); // fails loudly on odd workloads
    assertThat(endpoints).isNotEmpty();
    for (Map<String, Object> workload : RenderedChart.workloads(objects)) {
      var labels =
          stringMap(
              RenderedChart.map(
                  RenderedChart.map(RenderedChart.podTemplate(workload), "metadata"), "labels"));
      var pod =
          NetworkPolicyEvaluator.Endpoint.pod(
              RenderedChart.name(workload),
              RenderedChart.NAMESPACE,
              labels,
              Map.of(),
              "10.244.0.1",
              List.of());
      assertThat(evaluator.isolated(pod, "Ingress"))
          .as("%s ingress", RenderedChart.name(workload))
          .isTrue();
      assertThat(evaluator.isolated(pod, "Egress"))
          .as("%s egress", RenderedChart.name(workload))
          .isTrue();
    }
  }

  @Test
  void a_default_deny_policy_selects_every_pod_of_the_release_with_no_rule() {
    var policy =
        RenderedChart.ofKind(RenderedChart.render("default"), "NetworkPolicy").stream()
            .filter(p -> RenderedChart.name(p).endsWith("-default-deny"))
            .findFirst()
            .orElseThrow();
    var spec = RenderedChart.map(policy, "spec");
    assertThat(spec.get("policyTypes")).isEqualTo(List.of("Ingress", "Egress"));
    assertThat(spec).doesNotContainKeys("ingress", "egress");
  }

  @Test
  void the_checks_catch_a_root_container_an_unpinned_image_and_a_missing_limit() {
    var deployment =
        RenderedChart.deepCopy(
            RenderedChart.ofKind(RenderedChart.render("default"), "Deployment").stream()
                .filter(d -> RenderedChart.name(d).equals("zc-proxy"))
                .findFirst()
                .orElseThrow());
    var spec = RenderedChart.map(RenderedChart.podTemplate(deployment), "spec");
    spec.put("securityContext", Map.of("runAsUser", 0));
    var container = RenderedChart.list(spec, "containers").getFirst();
    container.put("image", "zcproxy/proxy:latest");
    container.remove("readinessProbe");
    RenderedChart.map(container, "securityContext").remove("runAsNonRoot");
    RenderedChart.map(RenderedChart.map(container, "resources"), "limits").remove("memory");
    assertThat(String.join("\n", problems("default", deployment)))
        .contains("not pinned", "runAsNonRoot", "memory limit", "readinessProbe");
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void metrics_ports_are_named_metrics_and_each_has_a_headless_service(String set) {
    var objects = RenderedChart.render(set);
    for (Map<String, Object> service : RenderedChart.ofKind(objects, "Service")) {
      var labels = RenderedChart.map(RenderedChart.map(service, "metadata"), "labels");
      if ("true".equals(labels.get("zcproxy.dev/metrics"))) {
        assertThat(RenderedChart.map(service, "spec").get("clusterIP")).isEqualTo("None");
        assertThat(RenderedChart.list(RenderedChart.map(service, "spec"), "ports"))
            .extracting(p -> p.get("name"))
            .contains("metrics");
      }
    }
  }

  @Test
  void the_proxy_service_carries_udp_on_the_tcp_port_number_only_with_quic() {
    var service =
        RenderedChart.ofKind(RenderedChart.render("default"), "Service").stream()
            .filter(s -> RenderedChart.name(s).equals("zc-proxy"))
            .findFirst()
            .orElseThrow();
    assertThat(RenderedChart.list(RenderedChart.map(service, "spec"), "ports"))
        .extracting(p -> p.get("port") + "/" + p.get("protocol"))
        .containsExactly("1080/TCP");
    var external =
        RenderedChart.ofKind(RenderedChart.render("external"), "Service").stream()
            .filter(s -> RenderedChart.name(s).equals("zc-proxy"))
            .findFirst()
            .orElseThrow();
    assertThat(RenderedChart.list(RenderedChart.map(external, "spec"), "ports"))
        .extracting(p -> p.get("port") + "/" + p.get("protocol"))
        .containsExactlyInAnyOrder("1080/TCP", "1080/UDP");
    assertThat(RenderedChart.map(external, "spec"))
        .containsEntry("type", "LoadBalancer")
        .containsEntry("externalTrafficPolicy", "Local");
  }

  static List<String> problems(String set, Map<String, Object> workload) {
    List<String> problems = new ArrayList<>();
    String name = RenderedChart.name(workload);
    Map<String, Object> template = RenderedChart.podTemplate(workload);
    var labels = RenderedChart.map(RenderedChart.map(template, "metadata"), "labels");
    Object component = labels.get("app.kubernetes.io/component");
    if (!COMPONENTS.contains(component)
        || !component.equals(labels.get("app.kubernetes.io/name"))) {
      problems.add(
          name + ": app.kubernetes.io/name and component must name what it is, got " + labels);
    }
    var spec = RenderedChart.map(template, "spec");
    var podSecurity = RenderedChart.map(spec, "securityContext");
    if (!Boolean.FALSE.equals(spec.get("automountServiceAccountToken"))) {
      problems.add(name + ": mounts a service-account token");
    }
    if (!"RuntimeDefault".equals(RenderedChart.map(podSecurity, "seccompProfile").get("type"))) {
      problems.add(name + ": pod seccomp is not RuntimeDefault");
    }
    if (Integer.valueOf(0).equals(podSecurity.get("runAsUser"))) {
      problems.add(name + ": runs as root (runAsUser 0)");
    }
    boolean fastPathProxy = component.equals("proxy") && Set.of("fastpath", "sriov").contains(set);
    List<Map<String, Object>> containers = new ArrayList<>(RenderedChart.list(spec, "containers"));
    containers.addAll(RenderedChart.list(spec, "initContainers"));
    for (Map<String, Object> container : containers) {
      String where = name + "/" + container.get("name");
      String image = (String) container.get("image");
      int colon = image.lastIndexOf(':');
      if (colon < image.lastIndexOf('/') + 1 || image.endsWith(":latest")) {
        problems.add(where + ": image " + image + " is not pinned to a tag");
      }
      var security = RenderedChart.map(container, "securityContext");
      if (!Boolean.TRUE.equals(security.get("runAsNonRoot"))
          && !Boolean.TRUE.equals(podSecurity.get("runAsNonRoot"))) {
        problems.add(where + ": runAsNonRoot is not set");
      }
      if (!Boolean.TRUE.equals(security.get("runAsNonRoot"))) {
        problems.add(where + ": container runAsNonRoot is not true");
      }
      if (!Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
        problems.add(where + ": root filesystem is writable");
      }
      if (!Boolean.FALSE.equals(security.get("allowPrivilegeEscalation"))) {
        problems.add(where + ": privilege escalation allowed");
      }
      var caps = RenderedChart.map(security, "capabilities");
      if (!List.of("ALL").equals(caps.get("drop"))) {
        problems.add(where + ": does not drop ALL capabilities");
      }
      Object added = caps.getOrDefault("add", List.of());
      Object allowed = fastPathProxy ? List.of("NET_RAW", "NET_ADMIN", "IPC_LOCK") : List.of();
      if (!added.equals(allowed)) {
        problems.add(where + ": adds capabilities " + added + ", expected " + allowed);
      }
      var resources = RenderedChart.map(container, "resources");
      var requests = RenderedChart.map(resources, "requests");
      var limits = RenderedChart.map(resources, "limits");
      if (!requests.containsKey("cpu") || !requests.containsKey("memory")) {
        problems.add(where + ": no cpu and memory requests");
      }
      if (!limits.containsKey("memory")) {
        problems.add(where + ": no memory limit");
      }
      boolean hugepages = requests.containsKey("hugepages-2Mi");
      if (hugepages != fastPathProxy) {
        problems.add(where + ": hugepages only belong to the fast-path proxy");
      }
      if (component.equals("proxy") || component.equals("state")) {
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
          if (!container.containsKey(probe)) {
            problems.add(where + ": no " + probe);
          }
        }
      }
    }
    return problems;
  }

  static Map<String, String> stringMap(Map<String, Object> map) {
    var out = new java.util.HashMap<String, String>();
    map.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }
}
