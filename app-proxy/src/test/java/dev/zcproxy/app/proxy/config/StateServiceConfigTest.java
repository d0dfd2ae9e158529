package dev.zcproxy.app.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.zcproxy.app.proxy.config.ProxyConfig.PolicySource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code policy.stateService}, {@code policy.broker}, {@code policy.cacheFile}, {@code resync}. */
class StateServiceConfigTest {

  private static final String KEY = "zcp_proxykey_0123456789";

  @TempDir Path directory;

  @Test
  void theStateServiceWithAnInlineKeyAndTheDefaults() throws Exception {
    var source =
        (PolicySource.StateService)
            load(
                    """
                    policy:
                      stateService: { url: "http://127.0.0.1:8080", apiKey: "%s" }
                      cacheFile: cache/policy.json
                    """
                        .formatted(KEY),
                    Map.of())
                .policy();

    assertThat(source.service().url()).isEqualTo(URI.create("http://127.0.0.1:8080"));
    assertThat(source.service().apiKey()).isEqualTo(KEY);
    assertThat(source.service().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(source.service().requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(source.cacheFile()).isEqualTo(directory.resolve("cache/policy.json"));
    assertThat(source.resyncInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(source.broker()).isEmpty();
  }

  @Test
  void everyKeyFromTheEnvironmentAndTheKeyFromAFile() throws Exception {
    Files.writeString(directory.resolve("cwd-key"), KEY + "\n");
    var source =
        (PolicySource.StateService)
            load(
                    "",
                    Map.of(
                        "ZCPROXY_POLICY_STATE_SERVICE_URL", "https://state.test:8443",
                        "ZCPROXY_POLICY_STATE_SERVICE_API_KEY_FILE", directory + "/cwd-key",
                        "ZCPROXY_POLICY_STATE_SERVICE_CONNECT_TIMEOUT", "2s",
                        "ZCPROXY_POLICY_STATE_SERVICE_REQUEST_TIMEOUT", "3s",
                        "ZCPROXY_POLICY_BROKER_URL", "amqp://127.0.0.1:5672",
                        "ZCPROXY_POLICY_CACHE_FILE", "/var/lib/zcproxy/policy.json",
                        "ZCPROXY_POLICY_RESYNC_INTERVAL", "5m"))
                .policy();

    assertThat(source.service().url()).isEqualTo(URI.create("https://state.test:8443"));
    assertThat(source.service().apiKey()).isEqualTo(KEY);
    assertThat(source.service().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(source.service().requestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(source.broker()).isEqualTo(Optional.of(URI.create("amqp://127.0.0.1:5672")));
    assertThat(source.cacheFile()).isEqualTo(Path.of("/var/lib/zcproxy/policy.json"));
    assertThat(source.resyncInterval()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void aFileAndTheStateServiceTogetherAreRefused() {
    assertThat(
            problems(
                "policy: { file: p.yaml, stateService: { url: \"http://x:1\", apiKey: k },"
                    + " cacheFile: c.json }"))
        .containsExactly(
            "config key 'policy.stateService.url': not together with policy.file: the policy"
                + " comes either from a file or from the state service",
            "config key 'policy.stateService.apiKey': not together with policy.file: the policy"
                + " comes either from a file or from the state service",
            "config key 'policy.cacheFile': not together with policy.file: the policy comes"
                + " either from a file or from the state service");
  }

  @Test
  void neitherIsRefusedNamingBoth() {
    assertThat(problems("listen: 127.0.0.1:0"))
        .containsExactly(
            "config key 'policy.file': missing; name the policy file (or set ZCPROXY_POLICY_FILE),"
                + " or set policy.stateService.url to follow the state service");
  }

  @Test
  void whatTheStateServiceNeedsIsNamedWhenMissing() {
    assertThat(problems("policy: { stateService: { url: \"http://127.0.0.1:8080\" } }"))
        .containsExactly(
            "config key 'policy.stateService.apiKey': missing; a proxy-scope API key of the state"
                + " service (or set policy.stateService.apiKeyFile) (or set"
                + " ZCPROXY_POLICY_STATE_SERVICE_API_KEY)",
            "config key 'policy.cacheFile': missing; the file where the proxy keeps its last good"
                + " policy, to serve after a restart (or set ZCPROXY_POLICY_CACHE_FILE)");
    assertThat(problems("policy: { resyncInterval: 10s, cacheFile: c.json }"))
        .contains(
            "config key 'policy.stateService.url': missing; the state service's base URL (or set"
                + " ZCPROXY_POLICY_STATE_SERVICE_URL)");
  }

  @Test
  void badValuesAreNamedAndTheKeyIsNeverShown() throws IOException {
    Files.writeString(directory.resolve("empty.key"), "\n");

    List<String> problems =
        problems(
            """
            policy:
              stateService: { url: "ftp://x", apiKey: "two words-%s" }
              cacheFile: c.json
              resyncInterval: 0s
            """
                .formatted(KEY));

    assertThat(problems)
        .containsExactly(
            "config key 'policy.stateService.apiKey': expected an API key: one word of printable"
                + " ASCII (the value is not shown)",
            "config key 'policy.resyncInterval': must be longer than 0, got \"0s\"");
    assertThat(String.join("\n", problems)).doesNotContain(KEY);
    assertThat(
            problems(
                "policy: { stateService: { url: \"ftp://x\", apiKeyFile: empty.key }, cacheFile: c }"))
        .containsExactly(
            "config key 'policy.stateService.apiKeyFile': expected an API key: one word of"
                + " printable ASCII (the value is not shown)");
    assertThat(problems("policy: { stateService: { url: \"ftp://x\", apiKey: k }, cacheFile: c }"))
        .containsExactly(
            "config key 'policy.stateService.url': expected an http:// or https:// URL");
    assertThat(
            problems(
                "policy: { stateService: { url: \"http://x:1\", apiKey: k, apiKeyFile: f },"
                    + " cacheFile: c }"))
        .containsExactly(
            "config key 'policy.stateService.apiKeyFile': not together with"
                + " policy.stateService.apiKey; give the key one way");
  }

  @Test
  void anUnknownKeyInsideTheNestedSectionIsNamed() {
    assertThat(
            problems(
                "policy: { stateService: { url: \"http://x:1\", apiKey: k, token: t },"
                    + " cacheFile: c }"))
        .containsExactly("config key 'policy.stateService.token': unknown key");
  }

  private ProxyConfig load(String yaml, Map<String, String> environment) throws Exception {
    return new ProxyConfigLoader(environment, directory.resolve("cwd")).load(write(yaml));
  }

  private List<String> problems(String yaml) {
    return catchThrowableOfType(ConfigException.class, () -> load(yaml, Map.of())).problems();
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(directory.resolve("zcproxy.yaml"), yaml);
  }
}
