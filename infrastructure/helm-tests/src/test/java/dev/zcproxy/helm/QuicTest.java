package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * proxy.quic: HTTP/3 on the UDP port of the client port's number. The pod, the Service and the
 * NetworkPolicy open that UDP port only when QUIC is on, the proxy's config gets the quic keys, and
 * the values QUIC cannot run with are refused before anything is rendered.
 */
class QuicTest {

  static final List<String> SETS = RenderedChart.VALUES_SETS;

  /** Turns QUIC on over any values set: TLS from an existing Secret, and limits of its own. */
  static final Map<String, Object> QUIC_ON =
      Map.of(
          "proxy.tls.existingSecret",
          "zcproxy-proxy-tls",
          "proxy.quic.enabled",
          true,
          "proxy.quic.maxConnections",
          5000,
          "proxy.quic.maxConnectionsPerSource",
          32,
          "proxy.quic.idleTimeout",
          "45s",
          "proxy.quic.maxStreamsPerConnection",
          250);

  static List<Map<String, Object>> render(String set, Map<String, Object> overrides) {
    return RenderedChart.parse(RenderedChart.template(set, overrides));
  }

  static Map<String, Object> named(List<Map<String, Object>> objects, String kind, String name) {
    return RenderedChart.ofKind(objects, kind).stream()
        .filter(o -> RenderedChart.name(o).equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
  }

  static Map<String, Object> proxyContainer(List<Map<String, Object>> objects) {
    var pod = RenderedChart.podTemplate(named(objects, "Deployment", "zc-proxy"));
    return RenderedChart.list(RenderedChart.map(pod, "spec"), "containers").getFirst();
  }

  static List<Map<String, Object>> servicePorts(List<Map<String, Object>> objects) {
    return RenderedChart.list(
        RenderedChart.map(named(objects, "Service", "zc-proxy"), "spec"), "ports");
  }

  /** The ports of every ingress rule of the proxy's NetworkPolicy, one list per rule. */
  static List<List<Map<String, Object>>> ingressPorts(List<Map<String, Object>> objects) {
    var spec = RenderedChart.map(named(objects, "NetworkPolicy", "zc-proxy"), "spec");
    return RenderedChart.list(spec, "ingress").stream()
        .map(rule -> RenderedChart.list(rule, "ports"))
        .toList();
  }

  /** The proxy's config file as the proxy reads it. */
  static Map<String, Object> proxyConfig(List<Map<String, Object>> objects) {
    String yaml =
        (String)
            RenderedChart.map(named(objects, "ConfigMap", "zc-proxy"), "data").get("zcproxy.yaml");
    return RenderedChart.parse(yaml).getFirst();
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void udp_is_opened_and_quic_configured_only_where_quic_is_on(String set) {
    var objects = RenderedChart.render(set);
    boolean quic = set.equals("external");
    List<String> udpPorts = new ArrayList<>();
    for (var workload : RenderedChart.workloads(objects)) {
      for (var container :
          RenderedChart.list(
              RenderedChart.map(RenderedChart.podTemplate(workload), "spec"), "containers")) {
        RenderedChart.list(container, "ports").stream()
            .filter(p -> "UDP".equals(p.get("protocol")))
            .forEach(p -> udpPorts.add(RenderedChart.name(workload) + " " + p));
      }
    }
    for (var service : RenderedChart.ofKind(objects, "Service")) {
      RenderedChart.list(RenderedChart.map(service, "spec"), "ports").stream()
          .filter(p -> "UDP".equals(p.get("protocol")))
          .forEach(p -> udpPorts.add("Service/" + RenderedChart.name(service) + " " + p));
    }
    for (var policy : RenderedChart.ofKind(objects, "NetworkPolicy")) {
      for (var rule : RenderedChart.list(RenderedChart.map(policy, "spec"), "ingress")) {
        RenderedChart.list(rule, "ports").stream()
            .filter(p -> "UDP".equals(p.get("protocol")))
            .forEach(p -> udpPorts.add("NetworkPolicy/" + RenderedChart.name(policy) + " " + p));
      }
    }
    if (quic) {
      assertThat(udpPorts)
          .containsExactlyInAnyOrder(
              "zc-proxy {name=quic, containerPort=1080, protocol=UDP}",
              "Service/zc-proxy {name=quic, port=1080, targetPort=quic, protocol=UDP}",
              "NetworkPolicy/zc-proxy {protocol=UDP, port=quic}");
      assertThat(proxyConfig(objects)).containsKey("quic");
    } else {
      assertThat(udpPorts).as("UDP ports under %s-values.yaml", set).isEmpty();
      assertThat(proxyConfig(objects)).doesNotContainKey("quic");
    }
  }

  @Test
  void on_the_pod_service_and_policy_open_udp_on_the_client_port_number_beside_tcp() {
    var objects = render("default", QUIC_ON);
    assertThat(RenderedChart.list(proxyContainer(objects), "ports"))
        .contains(
            Map.of("name", "proxy", "containerPort", 1080, "protocol", "TCP"),
            Map.of("name", "quic", "containerPort", 1080, "protocol", "UDP"));
    assertThat(servicePorts(objects))
        .containsExactly(
            Map.of("name", "proxy", "port", 1080, "targetPort", "proxy", "protocol", "TCP"),
            Map.of("name", "quic", "port", 1080, "targetPort", "quic", "protocol", "UDP"));
    // UDP in the very rule that admits TCP clients, so it has the same sources.
    assertThat(ingressPorts(objects))
        .contains(
            List.of(
                Map.of("protocol", "TCP", "port", "proxy"),
                Map.of("protocol", "UDP", "port", "quic")));
  }

  @Test
  void on_the_config_carries_every_quic_key_and_the_tls_files() {
    var config = proxyConfig(render("default", QUIC_ON));
    assertThat(RenderedChart.map(config, "quic"))
        .containsExactly(
            Map.entry("enabled", true),
            Map.entry("maxConnections", 5000),
            Map.entry("maxConnectionsPerSource", 32),
            Map.entry("idleTimeout", "45s"),
            Map.entry("maxStreamsPerConnection", 250));
    assertThat(RenderedChart.map(config, "tls"))
        .containsEntry("certificate", "/etc/zcproxy/tls/tls.crt")
        .containsEntry("privateKey", "/etc/zcproxy/tls/tls.key");
  }

  @Test
  void on_with_the_defaults_the_config_spells_out_the_proxys_defaults() {
    var config =
        proxyConfig(
            render(
                "default",
                Map.of(
                    "proxy.tls.existingSecret", "zcproxy-proxy-tls", "proxy.quic.enabled", true)));
    assertThat(RenderedChart.map(config, "quic"))
        .containsExactly(
            Map.entry("enabled", true),
            Map.entry("maxConnections", 0),
            Map.entry("maxConnectionsPerSource", 0),
            Map.entry("idleTimeout", "30s"),
            Map.entry("maxStreamsPerConnection", 100));
  }

  @Test
  void the_udp_port_follows_proxy_port() {
    Map<String, Object> values = new LinkedHashMap<>(QUIC_ON);
    values.put("proxy.port", 8443);
    var objects = render("default", values);
    assertThat(RenderedChart.list(proxyContainer(objects), "ports"))
        .contains(Map.of("name", "quic", "containerPort", 8443, "protocol", "UDP"));
    assertThat(servicePorts(objects))
        .extracting(p -> p.get("port") + "/" + p.get("protocol"))
        .containsExactly("8443/TCP", "8443/UDP");
    assertThat(proxyConfig(objects)).containsEntry("listen", "0.0.0.0:8443");
  }

  /** The model cluster of FlowMatrixTest: who reaches the proxy over UDP, and who over TCP. */
  @ParameterizedTest
  @FieldSource("SETS")
  void quic_clients_are_exactly_the_tcp_clients(String set) {
    Set<String> flows = FlowMatrixTest.admittedFlows(render(set, QUIC_ON));
    Set<String> tcpClients = clientsOver(flows, "TCP");
    assertThat(tcpClients).isNotEmpty();
    assertThat(clientsOver(flows, "UDP")).isEqualTo(tcpClients);
    if (set.equals("fastpath")) { // allowedClients: 198.51.100.0/24 only
      assertThat(tcpClients).containsExactly(FlowMatrixTest.CLIENT_B.name());
    }
  }

  static Set<String> clientsOver(Set<String> flows, String protocol) {
    Set<String> clients = new TreeSet<>();
    for (String flow : flows) {
      if (flow.endsWith(" -> proxy:1080/" + protocol)) {
        clients.add(flow.substring(0, flow.indexOf(" -> ")));
      }
    }
    return clients;
  }

  @Test
  void on_every_object_still_passes_both_strict_validators() throws Exception {
    var objects = render("default", QUIC_ON);
    for (var object : objects) {
      String kind = (String) object.get("kind");
      if (!StrictModelValidationTest.CUSTOM_KINDS.contains(kind)) {
        StrictModelValidationTest.JAVA_MODELS
            .get(kind)
            .fromJson(StrictModelValidationTest.json(object));
      }
    }
    assertThat(NodeValidator.validate(objects))
        .hasSameSizeAs(objects)
        .allSatisfy(r -> assertThat(r.get("ok")).as(String.valueOf(r)).isEqualTo(true));
  }

  @Test
  void probes_disruption_budget_and_autoscaler_do_not_change_with_quic() {
    var off = RenderedChart.render("default");
    var on = render("default", QUIC_ON);
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertThat(proxyContainer(on).get(probe)).as(probe).isEqualTo(proxyContainer(off).get(probe));
    }
    for (String kind : List.of("PodDisruptionBudget", "HorizontalPodAutoscaler")) {
      assertThat(RenderedChart.map(named(on, kind, "zc-proxy"), "spec"))
          .as(kind)
          .isEqualTo(RenderedChart.map(named(off, kind, "zc-proxy"), "spec"));
    }
  }

  /** NOTES.txt as a client-only dry-run install prints it. */
  static String notes(Map<String, Object> overrides) {
    InstallCommand install =
        new Helm(RenderedChart.umbrella())
            .install()
            .withName(RenderedChart.RELEASE)
            .withNamespace(RenderedChart.NAMESPACE)
            .withKubeVersion(RenderedChart.KUBE_VERSION)
            .withValuesFile(RenderedChart.valuesFile("default"))
            .clientOnly()
            .dryRun();
    overrides.forEach(install::set);
    return install.call().getOutput();
  }

  @Test
  void the_notes_name_udp_only_with_quic() {
    assertThat(notes(Map.of()))
        .contains("Clients connect to the proxy (SOCKS4/5, HTTP) at:")
        .contains("zc-proxy.zcproxy.svc:1080 (TCP)")
        .doesNotContain("UDP");
    Map<String, Object> values = new LinkedHashMap<>(QUIC_ON);
    values.put("proxy.port", 8443);
    assertThat(notes(values))
        .contains("Clients connect to the proxy (SOCKS4/5, HTTP, HTTPS, HTTP/3) at:")
        .contains("zc-proxy.zcproxy.svc:8443 (TCP, and UDP for QUIC)");
  }

  @Test
  void on_without_tls_is_refused_naming_both_values() {
    assertThatThrownBy(() -> RenderedChart.template("default", Map.of("proxy.quic.enabled", true)))
        .hasMessageContaining("proxy.quic.enabled needs proxy.tls.existingSecret");
  }

  static Stream<Arguments> refusedBySchema() {
    return Stream.of(
        Arguments.of("maxConnections", -1, "minimum"),
        Arguments.of("maxConnectionsPerSource", -1, "minimum"),
        Arguments.of("maxStreamsPerConnection", 0, "minimum"),
        Arguments.of("maxStreamsPerConnection", 10001, "maximum"),
        Arguments.of("idleTimeout", "0s", "does not match pattern"),
        Arguments.of("idleTimeout", "1.5s", "does not match pattern"),
        Arguments.of("idleTimeout", 30, "want string"),
        Arguments.of("enabled", "yes", "want boolean"),
        Arguments.of("port", 443, "additional properties"));
  }

  @ParameterizedTest(name = "proxy.quic.{0}={1}")
  @MethodSource("refusedBySchema")
  void the_schema_refuses(String key, Object value, String reason) {
    Map<String, Object> values = new LinkedHashMap<>(QUIC_ON);
    values.put("proxy.quic." + key, value);
    assertThatThrownBy(() -> RenderedChart.template("default", values))
        .hasMessageContaining("quic")
        .hasMessageContaining(key)
        .hasMessageContaining(reason);
  }

  @Test
  void the_schema_accepts_the_bounds() {
    Map<String, Object> values = new LinkedHashMap<>(QUIC_ON);
    values.put("proxy.quic.maxStreamsPerConnection", 10000);
    values.put("proxy.quic.maxConnections", 0);
    values.put("proxy.quic.idleTimeout", "500ms");
    assertThat(RenderedChart.map(proxyConfig(render("default", values)), "quic"))
        .containsEntry("maxStreamsPerConnection", 10000)
        .containsEntry("idleTimeout", "500ms");
    values.put("proxy.quic.maxStreamsPerConnection", 1);
    assertThat(RenderedChart.map(proxyConfig(render("default", values)), "quic"))
        .containsEntry("maxStreamsPerConnection", 1);
  }
}
