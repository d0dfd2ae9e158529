package dev.zcproxy.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The umbrella chart rendered by the real Helm (helm-java bundles Helm 3.21). The charts are copied
 * into target/ first, so {@code helm dependency build} never writes into the source tree, and the
 * build runs once per test JVM.
 */
final class RenderedChart {

  static final String RELEASE = "zc";
  static final String NAMESPACE = "zcproxy";

  /** The chart's floor (kubeVersion >=1.29.0-0): what it renders must hold there. */
  static final String KUBE_VERSION = "v1.29.0";

  /** Every values set under ci/, by file name without "-values.yaml". */
  static final List<String> VALUES_SETS =
      List.of("default", "minimal", "external", "operator", "fastpath", "sriov");

  private static final Map<String, List<Map<String, Object>>> RENDERS = new ConcurrentHashMap<>();
  private static Path umbrella;

  private RenderedChart() {}

  static Path sourceDir() {
    return Path.of(System.getProperty("zcproxy.helm.dir")).toAbsolutePath().normalize();
  }

  static Path workDir() {
    return Path.of(System.getProperty("zcproxy.work.dir")).toAbsolutePath().normalize();
  }

  /** The umbrella chart, copied and with its file:// dependencies built (offline). */
  static synchronized Path umbrella() {
    if (umbrella == null) {
      FakeSecretsApi.start();
      Path copy = workDir().resolve("helm");
      deleteTree(copy);
      copyTree(sourceDir(), copy);
      Path chart = copy.resolve("zcproxy");
      new Helm(chart).dependency().build().call();
      umbrella = chart;
    }
    return umbrella;
  }

  static Path valuesFile(String set) {
    return umbrella().resolve("ci").resolve(set + "-values.yaml");
  }

  /** The objects rendered under ci/<set>-values.yaml. */
  static List<Map<String, Object>> render(String set) {
    return RENDERS.computeIfAbsent(
        set,
        s -> {
          String manifests = template(s, Map.of());
          try { // kept for reviewers: target/helm-work/rendered/<set>.yaml
            Path out = workDir().resolve("rendered").resolve(s + ".yaml");
            Files.createDirectories(out.getParent());
            Files.writeString(out, manifests);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return parse(manifests);
        });
  }

  /** Renders with a values set plus --set overrides; Helm's error surfaces as an exception. */
  static String template(String set, Map<String, Object> overrides) {
    TemplateCommand command =
        new Helm(umbrella())
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .withValuesFile(valuesFile(set));
    overrides.forEach(command::set);
    return command.call();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> parse(String manifests) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(10);
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object document : new Yaml(options).loadAll(manifests)) {
      if (document != null) {
        objects.add((Map<String, Object>) document);
      }
    }
    return objects;
  }

  static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  static String name(Map<String, Object> object) {
    return (String) map(object, "metadata").get("name");
  }

  static String describe(Map<String, Object> object) {
    return object.get("kind") + "/" + name(object);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    return value == null ? Map.of() : (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    return value == null ? List.of() : (List<Map<String, Object>>) value;
  }

  /** The pod template of a workload (Deployment, StatefulSet), or null for other kinds. */
  static Map<String, Object> podTemplate(Map<String, Object> object) {
    if (!List.of("Deployment", "StatefulSet", "DaemonSet", "Job").contains(object.get("kind"))) {
      return null;
    }
    return map(map(object, "spec"), "template");
  }

  static List<Map<String, Object>> workloads(List<Map<String, Object>> objects) {
    return objects.stream().filter(o -> podTemplate(o) != null).toList();
  }

  static String dump(List<Map<String, Object>> objects) {
    return new Yaml().dumpAll(objects.iterator());
  }

  /** A deep copy through YAML, for tests that break an object on purpose. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> object) {
    Yaml yaml = new Yaml();
    return (Map<String, Object>) yaml.load(yaml.dump(object));
  }

  static Map<String, Object> mutableMap(Map<String, Object> source) {
    return new LinkedHashMap<>(source);
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void copyTree(Path from, Path to) {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().endsWith(".tgz")
            && !p.getFileName().toString().equals("Chart.lock")) {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
