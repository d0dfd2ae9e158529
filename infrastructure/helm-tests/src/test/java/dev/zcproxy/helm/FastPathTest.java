package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** proxy.fastPath: the Multus attachment, and what only the fast-path proxy pod gets. */
class FastPathTest {

  static Map<String, Object> proxyPod(String set) {
    return RenderedChart.podTemplate(
        RenderedChart.workloads(RenderedChart.render(set)).stream()
            .filter(w -> RenderedChart.name(w).equals("zc-proxy"))
            .findFirst()
            .orElseThrow());
  }

  @Test
  void the_pod_joins_the_attachment_by_annotation_on_the_nodes_that_carry_the_nic()
      throws Exception {
    var pod = proxyPod("fastpath");
    String networks =
        (String)
            RenderedChart.map(RenderedChart.map(pod, "metadata"), "annotations")
                .get("k8s.v1.cni.cncf.io/networks");
    List<Map<String, String>> attachments =
        NodeValidator.JSON.readValue(networks, new TypeReference<>() {});
    assertThat(attachments)
        .containsExactly(Map.of("name", "zc-proxy-fastpath", "interface", "fp0"));
    assertThat(RenderedChart.map(RenderedChart.map(pod, "spec"), "nodeSelector"))
        .containsEntry("zcproxy.dev/fast-path", "true");
    var container = RenderedChart.list(RenderedChart.map(pod, "spec"), "containers").getFirst();
    assertThat(RenderedChart.list(container, "env"))
        .contains(Map.of("name", "FASTPATH_INTERFACE", "value", "fp0"));
    var attachment =
        RenderedChart.ofKind(RenderedChart.render("fastpath"), "NetworkAttachmentDefinition")
            .getFirst();
    Map<String, Object> cni =
        NodeValidator.JSON.readValue(
            (String) RenderedChart.map(attachment, "spec").get("config"), new TypeReference<>() {});
    assertThat(cni)
        .containsEntry("type", "macvlan")
        .containsEntry("master", "ens6f0")
        .containsEntry("name", "zc-proxy-fastpath");
  }

  @Test
  void sriov_requests_the_device_plugin_resource_and_names_it_on_the_attachment() {
    var container =
        RenderedChart.list(RenderedChart.map(proxyPod("sriov"), "spec"), "containers").getFirst();
    var resources = RenderedChart.map(container, "resources");
    assertThat(RenderedChart.map(resources, "requests"))
        .containsEntry("intel.com/intel_sriov_netdevice", "1");
    assertThat(RenderedChart.map(resources, "limits"))
        .containsEntry("intel.com/intel_sriov_netdevice", "1");
    var attachment =
        RenderedChart.ofKind(RenderedChart.render("sriov"), "NetworkAttachmentDefinition")
            .getFirst();
    assertThat(RenderedChart.map(RenderedChart.map(attachment, "metadata"), "annotations"))
        .containsEntry("k8s.v1.cni.cncf.io/resourceName", "intel.com/intel_sriov_netdevice");
  }

  @Test
  void without_the_fast_path_the_proxy_pod_has_no_attachment_no_node_selector_no_hugepages() {
    var pod = proxyPod("default");
    assertThat(RenderedChart.map(RenderedChart.map(pod, "metadata"), "annotations"))
        .doesNotContainKey("k8s.v1.cni.cncf.io/networks");
    assertThat(RenderedChart.map(pod, "spec")).doesNotContainKey("nodeSelector");
    var container = RenderedChart.list(RenderedChart.map(pod, "spec"), "containers").getFirst();
    assertThat(RenderedChart.list(container, "env"))
        .extracting(e -> e.get("name"))
        .doesNotContain("FASTPATH_INTERFACE");
  }
}
