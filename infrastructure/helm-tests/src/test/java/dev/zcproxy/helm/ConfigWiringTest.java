package dev.zcproxy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.app.proxy.config.ProxyConfig;
import dev.zcproxy.app.proxy.config.ProxyConfigLoader;
import dev.zcproxy.app.state.StateConfigProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The proxy's ConfigMap and environment, and the state service's environment, as each pod would see
 * them (Secrets resolved, $(VAR) references expanded, mounted files in place), fed to the apps' own
 * config parsers: they refuse unknown keys and unknown ZCPROXY_ variables, so a chart that invents
 * a key fails here, not in the cluster.
 */
class ConfigWiringTest {

  static final List<String> SETS = RenderedChart.VALUES_SETS;

  /** Stand-ins for Secrets the values name but the chart does not create (existingSecret). */
  static final Map<String, String> EXISTING_SECRETS =
      new java.util.HashMap<>(
          Map.of(
              "zcproxy-broker/username", "zcproxy",
              "zcproxy-broker/password", "s3cr3tBroker",
              "zcproxy-db/password", "s3cr3tDb",
              "zcproxy-admin-api-key/api-key", "zcp_0123456789ab_" + "0".repeat(64),
              "zcproxy-proxy-api-key/api-key", "zcp_ba9876543210_" + "1".repeat(64)));

  /** The proxy's TLS Secret of external-values: a real certificate, made by openssl. */
  @org.junit.jupiter.api.BeforeAll
  static void makeCertificate(@TempDir Path dir) throws Exception {
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "tls.key",
                "-out",
                "tls.crt",
                "-days",
                "2",
                "-subj",
                "/CN=zc-proxy.zcproxy.svc")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(openssl.getInputStream().readAllBytes());
    assertThat(openssl.waitFor()).as(output).isZero();
    EXISTING_SECRETS.put("zcproxy-proxy-tls/tls.crt", Files.readString(dir.resolve("tls.crt")));
    EXISTING_SECRETS.put("zcproxy-proxy-tls/tls.key", Files.readString(dir.resolve("tls.key")));
  }

  @TempDir Path root;

  @ParameterizedTest
  @FieldSource("SETS")
  void the_proxy_accepts_its_rendered_config_and_finds_the_state_service_and_the_broker(String set)
      throws Exception {
    var objects = RenderedChart.render(set);
    var pod = RenderedChart.podTemplate(workload(objects, "zc-proxy"));
    var container = RenderedChart.list(RenderedChart.map(pod, "spec"), "containers").getFirst();
    mountVolumes(objects, pod, container);
    String yaml =
        (String) RenderedChart.map(configMap(objects, "zc-proxy"), "data").get("zcproxy.yaml");
    Path config = root.resolve("etc/zcproxy/config/zcproxy.yaml");
    Files.writeString(config, rerooted(yaml));

    ProxyConfig loaded = new ProxyConfigLoader(environment(objects, container), root).load(config);

    assertThat(loaded.policy().toString())
        .contains("http://zc-state:8080")
        .contains(
            switch (set) {
              case "external" -> "amqps://zcproxy:s3cr3tBroker@rabbitmq.messaging.svc:5671/zcproxy";
              case "operator" -> "tcp://zc-artemis:61616";
              default -> "amqp://zcproxy:";
            });
    assertThat(loaded.admin()).isPresent();
    assertThat(loaded.tls())
        .as("TLS on in external-values only")
        .matches(tls -> tls.isPresent() == set.equals("external"));
    assertThat(loaded.quic().enabled())
        .as("QUIC on in external-values only")
        .isEqualTo(set.equals("external"));
    assertThat(loaded.quic().maxConnectionsPerSource()).isEqualTo(set.equals("external") ? 64 : 0);
    assertThat(loaded.listen().getPort()).isEqualTo(1080);
    assertThat(loaded.limits().minOpenFiles())
        .as("proxy.minOpenFiles through ZCPROXY_LIMITS_MIN_OPEN_FILES")
        .isEqualTo(262_144);
  }

  @ParameterizedTest
  @FieldSource("SETS")
  void the_state_service_accepts_its_rendered_environment(String set) throws Exception {
    var objects = RenderedChart.render(set);
    var pod = RenderedChart.podTemplate(workload(objects, "zc-state"));
    var container = RenderedChart.list(RenderedChart.map(pod, "spec"), "containers").getFirst();
    mountVolumes(objects, pod, container);

    Map<String, String> env = new LinkedHashMap<>(imageEnvironment("state"));
    env.putAll(environment(objects, container)); // the pod's env overrides the image's ENV
    String parsed = StateConfigProbe.parse(env);

    assertThat(parsed)
        .contains("bootstrapKey=true")
        .contains(
            set.equals("external")
                ? "jdbc:postgresql://zcproxy-db-rw.databases.svc:5432/zcproxy"
                : "jdbc:postgresql://zc-postgresql:5432/zcproxy")
        .contains(
            switch (set) {
              case "external" -> "amqps://zcproxy:s3cr3tBroker@rabbitmq.messaging.svc:5671/zcproxy";
              case "operator" -> "tcp://zc-artemis:61616";
              default -> "amqp://zcproxy:";
            });
  }

  /**
   * The ENV an image presets, which the pod's env must live with: read from
   * infrastructure/docker/<app>/Dockerfile, or, where that file is not in this tree yet, the state
   * image's ENV as P7's image work defines it (2026-12-07).
   */
  static Map<String, String> imageEnvironment(String app) throws java.io.IOException {
    Path dockerfile =
        RenderedChart.sourceDir().resolveSibling("docker").resolve(app).resolve("Dockerfile");
    Map<String, String> env = new LinkedHashMap<>();
    if (!Files.exists(dockerfile)) {
      if (app.equals("state")) {
        env.put("ZCPROXY_STATE_LISTEN", "0.0.0.0:8080");
        env.put("ZCPROXY_STATE_BROKER_DATA_DIR", "/var/lib/zcproxy/broker");
      }
      return env;
    }
    String text = Files.readString(dockerfile).replace("\\\n", " ");
    boolean finalStage = false;
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("FROM ")) {
        finalStage = true;
        env.clear(); // only the last stage's ENV reaches the image
      } else if (finalStage && trimmed.startsWith("ENV ")) {
        for (String pair : trimmed.substring(4).trim().split("\\s+")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            env.put(pair.substring(0, eq), pair.substring(eq + 1).replace("\"", ""));
          }
        }
      }
    }
    return env;
  }

  static Map<String, Object> workload(List<Map<String, Object>> objects, String name) {
    return RenderedChart.workloads(objects).stream()
        .filter(w -> RenderedChart.name(w).equals(name))
        .findFirst()
        .orElseThrow();
  }

  static Map<String, Object> configMap(List<Map<String, Object>> objects, String name) {
    return RenderedChart.ofKind(objects, "ConfigMap").stream()
        .filter(c -> RenderedChart.name(c).equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** A Secret's value: rendered by the chart, or one of the stand-ins for an existing Secret. */
  static String secretValue(List<Map<String, Object>> objects, String secret, String key) {
    return RenderedChart.ofKind(objects, "Secret").stream()
        .filter(s -> RenderedChart.name(s).equals(secret))
        .findFirst()
        .map(
            s ->
                new String(
                    Base64.getDecoder().decode((String) RenderedChart.map(s, "data").get(key)),
                    StandardCharsets.UTF_8))
        .orElseGet(
            () -> {
              String value = EXISTING_SECRETS.get(secret + "/" + key);
              if (value == null) {
                throw new AssertionError("the pod needs Secret " + secret + " key " + key);
              }
              return value;
            });
  }

  /** The container's environment as the kubelet builds it: in order, $(VAR) expanded. */
  Map<String, String> environment(
      List<Map<String, Object>> objects, Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    Pattern reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    for (Map<String, Object> entry : RenderedChart.list(container, "env")) {
      String name = (String) entry.get("name");
      String value;
      if (entry.containsKey("valueFrom")) {
        var ref = RenderedChart.map(RenderedChart.map(entry, "valueFrom"), "secretKeyRef");
        value = secretValue(objects, (String) ref.get("name"), (String) ref.get("key"));
      } else {
        Matcher m = reference.matcher((String) entry.get("value"));
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
          String replacement = env.getOrDefault(m.group(1), m.group());
          m.appendReplacement(expanded, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(expanded);
        value = rerooted(expanded.toString());
      }
      env.put(name, value);
    }
    return env;
  }

  /**
   * Puts each mounted Secret and emptyDir where the container would see it, under the temp root.
   */
  void mountVolumes(
      List<Map<String, Object>> objects, Map<String, Object> pod, Map<String, Object> container)
      throws Exception {
    Map<String, Map<String, Object>> volumes = new HashMap<>();
    for (var volume : RenderedChart.list(RenderedChart.map(pod, "spec"), "volumes")) {
      volumes.put((String) volume.get("name"), volume);
    }
    for (var mount : RenderedChart.list(container, "volumeMounts")) {
      Path dir = root.resolve(((String) mount.get("mountPath")).substring(1));
      Files.createDirectories(dir);
      var volume = volumes.get((String) mount.get("name"));
      if (volume.containsKey("secret")) {
        var secret = RenderedChart.map(volume, "secret");
        for (var item : RenderedChart.list(secret, "items")) {
          String value =
              secretValue(objects, (String) secret.get("secretName"), (String) item.get("key"));
          Files.writeString(dir.resolve((String) item.get("path")), value);
        }
      }
    }
  }

  String rerooted(String text) {
    return text.replace("/etc/zcproxy", root.resolve("etc/zcproxy").toString())
        .replace("/var/lib/zcproxy", root.resolve("var/lib/zcproxy").toString());
  }
}
