package dev.zcproxy.app.proxy.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zcproxy.app.proxy.config.ConfigValues.Binding;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads the proxy's YAML config file, applies {@code ZCPROXY_*} environment overrides, and
 * validates everything at once: a {@link ConfigException} lists every problem, each naming its key
 * (see {@link ConfigKey} for the keys, their defaults and their variables).
 *
 * <p>The file becomes a tree, the environment is merged into that tree, and Jackson binds it to
 * {@link ConfigDocument}, rejecting unknown keys; {@link ConfigChecks} then applies defaults and
 * the rules that span keys. Unknown keys, and {@code ZCPROXY_*} variables that match no key, are
 * errors: a typo must not silently fall back to a default.
 */
public final class ProxyConfigLoader {

  public static final InetSocketAddress DEFAULT_LISTEN =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 1080);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final int MAX_HANDSHAKE_BYTES_CEILING = 1024 * 1024;

  /** Linux's default {@code /proc/sys/fs/pipe-max-size}: an unprivileged process gets no more. */
  public static final int MAX_PIPE_SIZE = 1024 * 1024;

  /** What {@link dev.zcproxy.inbound.netty.ProxyServerSettings.Quic} accepts, at most. */
  public static final int MAX_QUIC_STREAMS_CEILING = 10_000;

  public static final Duration DEFAULT_STATE_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_STATE_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(30);

  /** Unknown keys are refused; the handler collects them all rather than failing on the first. */
  private static final ObjectReader BINDER =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .addHandler(new ConfigValues.UnknownKeys())
          .addModule(new SimpleModule().setDeserializerModifier(new ConfigValues.Sections()))
          .build()
          .readerFor(ConfigDocument.class);

  private final Map<String, String> environment;
  private final Path workingDirectory;

  /**
   * @param environment the process environment (pass {@code System.getenv()}); only {@code
   *     ZCPROXY_*} entries are read
   * @param workingDirectory what a relative {@code ZCPROXY_POLICY_FILE} is relative to
   */
  public ProxyConfigLoader(Map<String, String> environment, Path workingDirectory) {
    this.environment = Map.copyOf(environment);
    this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
  }

  public ProxyConfig load(Path configFile) throws ConfigException {
    Path file = configFile.toAbsolutePath().normalize();
    var problems = new ArrayList<String>();
    var misplaced = new Misplaced();
    ObjectNode fileTree = readFile(file, problems, misplaced);
    ObjectNode tree =
        fileTree == null ? JsonNodeFactory.instance.objectNode() : fileTree.deepCopy();
    Set<ConfigKey> fromEnvironment = EnumSet.noneOf(ConfigKey.class);
    var environmentProblems = new ArrayList<String>();
    overlayEnvironment(tree, fromEnvironment, misplaced, environmentProblems);
    if (fileTree == null) {
      // Without the file, "missing key" problems would only be noise around the real one.
      problems.addAll(environmentProblems);
      throw new ConfigException(problems);
    }
    var binding = new Binding(file.getParent(), workingDirectory, fromEnvironment);
    ConfigDocument document = bind(tree, binding);
    binding.misplaced.forEach(misplaced::add);
    // In the order the keys stand in the file, then the environment's, then the values'.
    problems.addAll(misplaced.inFileOrder());
    problems.addAll(environmentProblems);
    ProxyConfig config = new ConfigChecks(document, binding, problems).config();
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  /** The file's top-level mapping as a tree; null when the file cannot be read or parsed at all. */
  private static ObjectNode readFile(Path file, List<String> problems, Misplaced misplaced) {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException missing) {
      problems.add("config file " + file + ": no such file");
      return null;
    } catch (IOException unreadable) {
      problems.add("config file " + file + ": cannot read it (" + unreadable + ")");
      return null;
    }
    Object root;
    try {
      root = YamlDocuments.parse(content);
    } catch (IllegalArgumentException malformed) {
      problems.add("config file " + file + ": " + malformed.getMessage());
      return null;
    }
    if (root != null && !(root instanceof Map<?, ?>)) {
      problems.add(
          "config file "
              + file
              + ": expected a mapping of keys at the top level, got "
              + YamlDocuments.describe(root));
      return null;
    }
    if (root == null) {
      return JsonNodeFactory.instance.objectNode();
    }
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    place(tree, tree, "", (Map<?, ?>) root, misplaced);
    return tree;
  }

  /**
   * The YAML reader's mappings, lists and scalars as a Jackson tree. The YAML reader stays
   * SnakeYAML's safe constructor, as for the policy file: aliases, YAML 1.1 scalars, the refusal of
   * duplicate keys and the error texts with line and column are the ones operators have always had.
   * A scalar Jackson has no node for (a timestamp) is kept as it is.
   */
  private static JsonNode tree(Object value) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (value) {
      case null -> nodes.nullNode();
      case Map<?, ?> map -> {
        ObjectNode object = nodes.objectNode();
        map.forEach((name, entry) -> object.set(String.valueOf(name), tree(entry)));
        yield object;
      }
      case List<?> list -> {
        ArrayNode array = nodes.arrayNode();
        list.forEach(entry -> array.add(tree(entry)));
        yield array;
      }
      case String text -> nodes.textNode(text);
      case Boolean flag -> nodes.booleanNode(flag);
      case Integer number -> nodes.numberNode(number);
      case Long number -> nodes.numberNode(number);
      case BigInteger number -> nodes.numberNode(number);
      case Double number -> nodes.numberNode(number);
      default -> nodes.pojoNode(value);
    };
  }

  /**
   * Adds a mapping's entries to the tree in the file's order: a later value wins, and null never
   * unsets one given before. A key may also be given by its path in one name ({@code admin.listen:
   * ...}, or {@code stateService.url} inside {@code policy}); it goes where its sections put it. A
   * dotted name that is no key stays as it is, to be refused as unknown.
   */
  private static void place(
      ObjectNode root, ObjectNode section, String prefix, Map<?, ?> entries, Misplaced misplaced) {
    entries.forEach(
        (key, given) -> {
          String name = String.valueOf(key);
          String path = prefix + name;
          int position = misplaced.positions++;
          Optional<ConfigKey> shorthand = ConfigKey.shorthand(path);
          // relay: splice is relay.mode: splice
          Object value =
              shorthand.isPresent() && given != null && !(given instanceof Map<?, ?>)
                  ? Map.of(shorthand.get().path().substring(path.length() + 1), given)
                  : given;
          ObjectNode at = section;
          if (name.contains(".")
              && (ConfigKey.isSection(path) || ConfigKey.byPath(path).isPresent())) {
            List<String> segments = List.of(path.split("\\."));
            at = root;
            for (int depth = 0; depth < segments.size() - 1; depth++) {
              at = section(at, segments, depth, misplaced);
            }
            name = segments.getLast();
          }
          JsonNode present = at.get(name);
          if (ConfigKey.isSection(path) && value instanceof Map<?, ?> nested) {
            List<String> segments = List.of(path.split("\\."));
            ObjectNode into = section(at, segments, segments.size() - 1, misplaced);
            place(root, into, path + ".", nested, misplaced);
          } else if (ConfigKey.isSection(path) && value != null && present instanceof ObjectNode) {
            misplaced.problems.put(
                position, ConfigValues.notAMapping(path, value)); // keys given stay
          } else if (value != null || present == null) {
            at.set(name, tree(value));
            misplaced.placed.put(path, position);
          }
        });
  }

  /**
   * Sets each key named by a {@code ZCPROXY_*} variable in the tree, as a string; an empty variable
   * removes its key. A section the file gives as no mapping is replaced, and reported.
   */
  private void overlayEnvironment(
      ObjectNode tree, Set<ConfigKey> fromEnvironment, Misplaced misplaced, List<String> problems) {
    new TreeMap<>(environment)
        .forEach(
            (name, value) -> {
              if (!name.startsWith(ConfigKey.ENV_PREFIX)) {
                return;
              }
              Optional<ConfigKey> key = ConfigKey.byEnvName(name);
              if (key.isEmpty()) {
                problems.add("environment variable " + name + ": matches no config key");
                return;
              }
              List<String> segments = List.of(key.get().path().split("\\."));
              ObjectNode section = tree;
              for (int depth = 0; depth < segments.size() - 1; depth++) {
                if (value.isEmpty() && !(section.get(segments.get(depth)) instanceof ObjectNode)) {
                  return; // the key is not in the file either
                }
                section = section(section, segments, depth, misplaced);
              }
              if (value.isEmpty()) {
                section.remove(segments.getLast());
              } else {
                section.put(segments.getLast(), value);
                fromEnvironment.add(key.get());
              }
            });
  }

  /**
   * The section {@code segments[depth]} inside {@code parent}, created if missing. A section given
   * as something else ({@code admin: 9090}) is reported, and replaced.
   */
  private static ObjectNode section(
      ObjectNode parent, List<String> segments, int depth, Misplaced misplaced) {
    String name = segments.get(depth);
    if (parent.get(name) instanceof ObjectNode section) {
      return section;
    }
    JsonNode given = parent.get(name);
    if (given != null && !given.isNull()) {
      String path = String.join(".", segments.subList(0, depth + 1));
      misplaced.add(path, ConfigValues.notAMapping(path, ConfigValues.raw(given)));
    }
    return parent.putObject(name);
  }

  private static ConfigDocument bind(ObjectNode tree, Binding binding) {
    try {
      return BINDER.withAttribute(Binding.class, binding).readValue(tree);
    } catch (IOException unexpected) {
      // The handlers and the value types leave Jackson nothing to fail on. Should it still, the
      // message names no value, which may be a secret.
      binding.misplaced.put(
          "", "config file: cannot be bound (" + unexpected.getClass().getSimpleName() + ")");
      return ConfigDocument.empty();
    }
  }

  /**
   * Unknown keys and sections that are no mapping, reported in the order the file gives their
   * values, like every other problem it holds.
   */
  private static final class Misplaced {
    final SortedMap<Integer, String> problems = new TreeMap<>();
    final Map<String, Integer> placed = new HashMap<>(); // where each path's value was given
    int positions;

    void add(String path, String problem) {
      problems.put(placed.getOrDefault(path, Integer.MAX_VALUE), problem);
    }

    Collection<String> inFileOrder() {
      return problems.values();
    }
  }
}
