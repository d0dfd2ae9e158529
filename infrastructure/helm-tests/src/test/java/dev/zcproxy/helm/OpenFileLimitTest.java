package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * proxy.minOpenFiles: Kubernetes sets no rlimit per pod, so the proxy is told the open-file limit
 * it needs (ZCPROXY_LIMITS_MIN_OPEN_FILES, the environment form of limits.minOpenFiles) and refuses
 * to start on a node whose container runtime gives less. ConfigWiringTest feeds the variable to the
 * proxy's own config loader.
 */
class OpenFileLimitTest {

  static final List<String> SETS = RenderedChart.VALUES_SETS;
  static final String VARIABLE = "ZCPROXY_LIMITS_MIN_OPEN_FILES";

  @ParameterizedTest
  @FieldSource("SETS")
  void every_values_set_asks_for_262144_open_files_by_default(String set) {
    assertThat(variable(RenderedChart.render(set))).contains("262144");
  }

  @Test
  void a_value_of_its_own_reaches_the_pod_as_a_whole_number() {
    // Helm reads numbers as floats: 500000 must not become 5e+05.
    assertThat(variable(QuicTest.render("default", Map.of("proxy.minOpenFiles", 500000))))
        .contains("500000");
  }

  @Test
  void zero_leaves_the_check_out() {
    assertThat(variable(QuicTest.render("default", Map.of("proxy.minOpenFiles", 0)))).isEmpty();
  }

  @Test
  void the_schema_refuses_what_is_no_limit() {
    assertThatThrownBy(() -> RenderedChart.template("default", Map.of("proxy.minOpenFiles", -1)))
        .hasMessageContaining("minOpenFiles")
        .hasMessageContaining("minimum");
    assertThatThrownBy(
            () -> RenderedChart.template("default", Map.of("proxy.minOpenFiles", "lots")))
        .hasMessageContaining("minOpenFiles")
        .hasMessageContaining("want integer");
  }

  private static Optional<String> variable(List<Map<String, Object>> objects) {
    return RenderedChart.list(QuicTest.proxyContainer(objects), "env").stream()
        .filter(entry -> VARIABLE.equals(entry.get("name")))
        .map(entry -> (String) entry.get("value"))
        .findFirst();
  }
}
