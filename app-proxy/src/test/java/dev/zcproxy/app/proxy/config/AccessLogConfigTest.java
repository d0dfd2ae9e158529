package dev.zcproxy.app.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.zcproxy.outbound.accesslog.AccessLogFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code accessLog} keys: defaults, paths, standard output, and the problems they report. */
class AccessLogConfigTest {
  private static final String BASE = "policy: { file: policy.yaml }\n";

  @TempDir Path directory;

  @Test
  void off_by_default_as_json_on_standard_output() throws Exception {
    ProxyConfig config = load(BASE, Map.of());

    assertThat(config.accessLog())
        .isEqualTo(new ProxyConfig.AccessLogConfig(false, Optional.empty(), AccessLogFormat.JSON));
  }

  @Test
  void a_relative_path_is_the_config_files_directorys_and_squid_is_a_format() throws Exception {
    ProxyConfig config =
        load(
            BASE + "accessLog: { enabled: true, path: logs/access.log, format: squid }\n",
            Map.of());

    assertThat(config.accessLog().enabled()).isTrue();
    assertThat(config.accessLog().file()).contains(directory.resolve("logs/access.log"));
    assertThat(config.accessLog().format()).isEqualTo(AccessLogFormat.SQUID);
  }

  @Test
  void a_dash_is_standard_output() throws Exception {
    ProxyConfig config = load(BASE + "accessLog: { enabled: true, path: '-' }\n", Map.of());

    assertThat(config.accessLog().file()).isEmpty();
  }

  @Test
  void the_environment_overrides_each_key() throws Exception {
    ProxyConfig config =
        load(
            BASE + "accessLog: { enabled: false, path: a.log, format: json }\n",
            Map.of(
                "ZCPROXY_ACCESS_LOG_ENABLED", "true",
                "ZCPROXY_ACCESS_LOG_PATH", "-",
                "ZCPROXY_ACCESS_LOG_FORMAT", "SQUID"));

    assertThat(config.accessLog())
        .isEqualTo(new ProxyConfig.AccessLogConfig(true, Optional.empty(), AccessLogFormat.SQUID));
  }

  @Test
  void bad_values_are_problems_naming_the_key_and_the_variable() {
    List<String> problems =
        problems(
            BASE + "accessLog: { enabled: yes please, path: '' }\n",
            Map.of("ZCPROXY_ACCESS_LOG_FORMAT", "combined"));

    assertThat(problems)
        .containsExactly(
            "config key 'accessLog.enabled': expected true or false, got \"yes please\"",
            "config key 'accessLog.path': expected a file path or - for standard output, got \"\"",
            "config key 'accessLog.format' (from ZCPROXY_ACCESS_LOG_FORMAT): expected json or"
                + " squid, got \"combined\"");
  }

  @Test
  void an_unknown_key_of_the_section_is_refused() {
    assertThat(problems(BASE + "accessLog: { file: a.log }\n", Map.of()))
        .singleElement()
        .asString()
        .contains("accessLog.file");
  }

  private ProxyConfig load(String yaml, Map<String, String> environment) throws Exception {
    return new ProxyConfigLoader(environment, directory.resolve("cwd")).load(write(yaml));
  }

  private List<String> problems(String yaml, Map<String, String> environment) {
    return catchThrowableOfType(ConfigException.class, () -> load(yaml, environment)).problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("zcproxy.yaml"), yaml);
  }
}
