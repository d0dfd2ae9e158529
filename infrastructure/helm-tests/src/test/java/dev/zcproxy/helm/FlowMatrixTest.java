package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.helm.NetworkPolicyEvaluator.Endpoint;
import dev.zcproxy.helm.NetworkPolicyEvaluator.Policy;
import dev.zcproxy.helm.NetworkPolicyEvaluator.Port;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders the chart under every values set, places its workloads and a cast of outsiders (clients,
 * the internet, the metadata address, the cluster DNS, an external database and broker, an
 * Operator's Prometheus) on a model cluster, and computes with {@link NetworkPolicyEvaluator} every
 * connection the rendered NetworkPolicies admit to or from a workload of the chart. That matrix
 * must EQUAL the intended one: the zero-trust flow table of issue P7, nothing more, nothing less.
 */
class FlowMatrixTest {
  private static final Logger log = LoggerFactory.getLogger(FlowMatrixTest.class);

  static final List<String> SETS = RenderedChart.VALUES_SETS;
  static final String NS = RenderedChart.NAMESPACE;

  static final Endpoint KUBE_DNS =
      Endpoint.pod(
          "kube-dns",
          "kube-system",
          Map.of("k8s-app", "kube-dns"),
          nsLabels("kube-system"),
          "10.244.9.10",
          List.of(new Port("dns", 53, "UDP"), new Port("dns-tcp", 53, "TCP")));
  static final Endpoint APP_POD =
      Endpoint.pod(
          "app-pod", "apps", Map.of("app", "client"), nsLabels("apps"), "10.244.8.5", List.of());
  static final Endpoint TRUSTED_APP_POD =
      Endpoint.pod(
          "trusted-app-pod",
          "trusted",
          Map.of("app", "client"),
          Map.of("kubernetes.io/metadata.name", "trusted", "zcproxy.dev/proxy-clients", "true"),
          "10.244.8.6",
          List.of());
  static final Endpoint GRAFANA_USER =
      Endpoint.pod(
          "grafana-user",
          NS,
          Map.of("zcproxy.dev/grafana-client", "true"),
          nsLabels(NS),
          "10.244.8.7",
          List.of());
  static final Endpoint CLIENT_A = Endpoint.external("client-192.0.2.10", "192.0.2.10", List.of());
  static final Endpoint CLIENT_B =
      Endpoint.external("client-198.51.100.7", "198.51.100.7", List.of());
  static final Endpoint INTERNET =
      Endpoint.external(
          "internet",
          "203.0.113.10",
          List.of(new Port("https", 443, "TCP"), new Port("quic", 443, "UDP")));
  static final Endpoint INTERNET_V6 =
      Endpoint.external("internet-v6", "2001:db8::10", List.of(new Port("https", 443, "TCP")));
  static final Endpoint METADATA =
      Endpoint.external("metadata", "169.254.169.254", List.of(new Port("http", 80, "TCP")));
  static final Endpoint METADATA_V6 =
      Endpoint.external("metadata-v6", "fd00:ec2::254", List.of(new Port("http", 80, "TCP")));
  static final Endpoint API_SERVICE =
      Endpoint.external("kubernetes-service", "10.96.0.1", List.of(new Port("https", 443, "TCP")));
  static final Endpoint CNPG_DB =
      Endpoint.pod(
          "cnpg-db",
          "databases",
          Map.of("cnpg.io/cluster", "zcproxy-db"),
          nsLabels("databases"),
          "10.244.7.7",
          List.of(new Port("postgresql", 5432, "TCP")));
  static final Endpoint EXT_RABBITMQ =
      Endpoint.pod(
          "ext-rabbitmq",
          "messaging",
          Map.of("app.kubernetes.io/name", "rabbitmq"),
          nsLabels("messaging"),
          "10.244.7.8",
          List.of(new Port("amqps", 5671, "TCP")));
  static final Endpoint OPERATOR_PROMETHEUS =
      Endpoint.pod(
          "operator-prometheus",
          "monitoring",
          Map.of("app.kubernetes.io/name", "prometheus"),
          nsLabels("monitoring"),
          "10.244.7.9",
          List.of(new Port("web", 9090, "TCP")));

  static final List<Endpoint> OUTSIDERS =
      List.of(
          KUBE_DNS,
          APP_POD,
          TRUSTED_APP_POD,
          GRAFANA_USER,
          CLIENT_A,
          CLIENT_B,
          INTERNET,
          INTERNET_V6,
          METADATA,
          METADATA_V6,
          API_SERVICE,
          CNPG_DB,
          EXT_RABBITMQ,
          OPERATOR_PROMETHEUS);

  static Map<String, String> nsLabels(String name) {
    return Map.of("kubernetes.io/metadata.name", name);
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void the_admitted_flows_equal_the_intended_ones(String set) {
    Set<String> actual = admittedFlows(RenderedChart.render(set));
    log.info(
        "flow matrix under {}-values.yaml ({} flows):\n  {}",
        set,
        actual.size(),
        String.join("\n  ", actual));
    assertThat(actual).containsExactlyInAnyOrderElementsOf(intended(set));
  }

  @Test
  void without_network_policies_the_matrix_is_wide_open_so_the_test_can_fail() {
    String rendered =
        RenderedChart.template("default", Map.of("global.networkPolicy.enabled", false));
    Set<String> open = admittedFlows(RenderedChart.parse(rendered));
    assertThat(open)
        .contains(
            "app-pod -> postgresql:5432/TCP",
            "proxy -> metadata:80/TCP",
            "proxy -> postgresql:5432/TCP",
            "internet -> state:8080/TCP");
    assertThat(open).isNotEqualTo(intended("default"));
  }

  /** Every connection the rendered policies admit with a chart workload at either end. */
  static Set<String> admittedFlows(List<Map<String, Object>> objects) {
    List<Endpoint> workloads = new ArrayList<>();
    int host = 10;
    for (Map<String, Object> workload : RenderedChart.workloads(objects)) {
      Map<String, Object> template = RenderedChart.podTemplate(workload);
      Map<String, String> labels = new HashMap<>();
      RenderedChart.map(RenderedChart.map(template, "metadata"), "labels")
          .forEach((k, v) -> labels.put(k, String.valueOf(v)));
      List<Port> ports = new ArrayList<>();
      for (Map<String, Object> container :
          RenderedChart.list(RenderedChart.map(template, "spec"), "containers")) {
        for (Map<String, Object> port : RenderedChart.list(container, "ports")) {
          ports.add(
              new Port(
                  (String) port.get("name"),
                  (Integer) port.get("containerPort"),
                  (String) port.getOrDefault("protocol", "TCP")));
        }
      }
      workloads.add(
          Endpoint.pod(
              labels.get("app.kubernetes.io/component"),
              NS,
              labels,
              nsLabels(NS),
              "10.244.0." + host++,
              ports));
    }
    List<Policy> policies =
        RenderedChart.ofKind(objects, "NetworkPolicy").stream()
            .map(p -> new Policy(NS, p))
            .toList();
    NetworkPolicyEvaluator evaluator = new NetworkPolicyEvaluator(policies);
    List<Endpoint> everyone = new ArrayList<>(workloads);
    everyone.addAll(OUTSIDERS);
    Set<String> flows = new TreeSet<>();
    for (Endpoint from : everyone) {
      for (Endpoint to : everyone) {
        if (from == to || !(workloads.contains(from) || workloads.contains(to))) {
          continue;
        }
        for (Port port : to.ports()) {
          if (evaluator.allows(from, to, port)) {
            flows.add(flow(from.name(), to.name(), port.number(), port.protocol()));
          }
        }
      }
    }
    return flows;
  }

  static String flow(String from, String to, int port, String protocol) {
    return from + " -> " + to + ":" + port + "/" + protocol;
  }

  /** The flow table of the issue, spelled out per values set. */
  static Set<String> intended(String set) {
    Set<String> flows = new TreeSet<>();
    // Which workloads run, and who may be a proxy client.
    List<String> clients =
        switch (set) {
          case "external" -> List.of(CLIENT_A.name(), TRUSTED_APP_POD.name());
          case "fastpath" -> List.of(CLIENT_B.name());
          default -> OUTSIDERS.stream().map(Endpoint::name).toList();
        };
    String broker = set.equals("operator") ? "artemis" : "rabbitmq";
    int brokerPort = set.equals("operator") ? 61616 : 5672;
    boolean bundledPrometheus = !set.equals("operator") && !set.equals("minimal");
    boolean grafana = !set.equals("minimal");
    Map<String, Boolean> workloads = new LinkedHashMap<>();
    workloads.put("proxy", true);
    workloads.put("state", true);
    workloads.put("postgresql", !set.equals("external"));
    workloads.put(broker, !set.equals("external"));
    workloads.put("prometheus", bundledPrometheus);
    workloads.put("grafana", grafana);

    // clients -> proxy: TCP, and UDP of the same number where QUIC is on (external-values)
    for (String client : clients) {
      flows.add(flow(client, "proxy", 1080, "TCP"));
      if (set.equals("external")) {
        flows.add(flow(client, "proxy", 1080, "UDP"));
      }
    }
    // proxy -> state API; proxy -> broker; state -> PostgreSQL; state -> broker
    flows.add(flow("proxy", "state", 8080, "TCP"));
    if (set.equals("external")) {
      flows.add(flow("proxy", EXT_RABBITMQ.name(), 5671, "TCP"));
      flows.add(flow("state", EXT_RABBITMQ.name(), 5671, "TCP"));
      flows.add(flow("state", CNPG_DB.name(), 5432, "TCP"));
    } else {
      flows.add(flow("proxy", broker, brokerPort, "TCP"));
      flows.add(flow("state", broker, brokerPort, "TCP"));
      flows.add(flow("state", "postgresql", 5432, "TCP"));
    }
    // Prometheus -> each metrics port
    String scraper = set.equals("operator") ? OPERATOR_PROMETHEUS.name() : "prometheus";
    if (bundledPrometheus || set.equals("operator")) {
      flows.add(flow(scraper, "proxy", 9090, "TCP"));
      flows.add(flow(scraper, "state", 8080, "TCP"));
      if (broker.equals("rabbitmq") && !set.equals("external")) {
        flows.add(flow(scraper, "rabbitmq", 15692, "TCP"));
      }
    }
    // Grafana -> Prometheus; allowed users -> Grafana
    if (grafana) {
      flows.add(flow("grafana", scraper, 9090, "TCP"));
      flows.add(flow(GRAFANA_USER.name(), "grafana", 3000, "TCP"));
    }
    // The proxy's internet egress: the world, not the cluster, not the metadata address.
    flows.add(flow("proxy", INTERNET.name(), 443, "TCP"));
    flows.add(flow("proxy", INTERNET.name(), 443, "UDP"));
    flows.add(flow("proxy", INTERNET_V6.name(), 443, "TCP"));
    // DNS from every workload to the cluster's resolvers.
    workloads.forEach(
        (name, present) -> {
          if (present) {
            flows.add(flow(name, KUBE_DNS.name(), 53, "UDP"));
            flows.add(flow(name, KUBE_DNS.name(), 53, "TCP"));
          }
        });
    return flows;
  }
}
