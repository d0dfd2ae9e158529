package dev.zcproxy.app.proxy.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.ValueNode;
import dev.zcproxy.domain.auth.KerberosPrincipalMapping;
import dev.zcproxy.inbound.netty.ProxyServerSettings;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.inbound.netty.auth.kerberos.GssapiProtection;
import dev.zcproxy.inbound.netty.auth.kerberos.KerberosAcceptor;
import dev.zcproxy.inbound.netty.tls.TlsProvider;
import dev.zcproxy.outbound.accesslog.AccessLogFormat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How Jackson turns each config value into its type. A value that does not fit is never an
 * exception, which would stop Jackson at the first problem: it is recorded in the {@link Binding}
 * under its key, with the text that follows the key's name, and bound as unset.
 */
final class ConfigValues {

  private ConfigValues() {}

  /**
   * What one binding learns besides the values: which keys are set, which failed and why, and the
   * misplaced keys (unknown, or a section that is no mapping) by path. Jackson carries it as the
   * {@link DeserializationContext}'s attribute {@code Binding.class}.
   */
  static final class Binding {
    final Path configDirectory;
    final Path workingDirectory;
    final Set<ConfigKey> fromEnvironment;
    final Set<ConfigKey> present = EnumSet.noneOf(ConfigKey.class);
    final Map<ConfigKey, String> failures = new EnumMap<>(ConfigKey.class);
    final Map<String, String> misplaced = new LinkedHashMap<>();

    Binding(Path configDirectory, Path workingDirectory, Set<ConfigKey> fromEnvironment) {
      this.configDirectory = configDirectory;
      this.workingDirectory = workingDirectory;
      this.fromEnvironment = fromEnvironment;
    }

    static Binding of(DeserializationContext context) {
      return (Binding) context.getAttribute(Binding.class);
    }
  }

  /** Records every unknown key, instead of failing on the first. */
  static final class UnknownKeys extends DeserializationProblemHandler {
    @Override
    public boolean handleUnknownProperty(
        DeserializationContext context,
        JsonParser buffered,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String name)
        throws IOException {
      // Jackson replays a record's unknown keys after its END_OBJECT, from a buffer: the document's
      // parser then stands in the section's parent, under the section's name.
      String section = pathOf(context.getParser().getParsingContext());
      String path = section.isEmpty() ? name : section + "." + name;
      Binding.of(context).misplaced.put(path, "config key '" + path + "': unknown key");
      buffered.skipChildren();
      return true;
    }
  }

  /**
   * A section given as something other than a mapping ({@code admin: 9090}) is recorded and bound
   * as unset, whatever Jackson would have tried with it (a number, an empty string, a list).
   */
  static final class Sections extends BeanDeserializerModifier {
    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription description, JsonDeserializer<?> record) {
      return new Section(record);
    }
  }

  private static final class Section extends DelegatingDeserializer {
    Section(JsonDeserializer<?> record) {
      super(record);
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> record) {
      return new Section(record);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      if (parser.currentToken() == JsonToken.START_OBJECT) {
        return super.deserialize(parser, context);
      }
      String path = pathOf(parser.getParsingContext());
      Binding.of(context).misplaced.put(path, notAMapping(path, raw(context.readTree(parser))));
      return null; // the section counts as unset
    }
  }

  static String notAMapping(String path, Object value) {
    return "config key '" + path + "': expected a mapping, got " + YamlDocuments.describe(value);
  }

  /** The dotted key path of the value a parser stands on: {@code limits.idleTimeout}. */
  static String pathOf(JsonStreamContext context) {
    var names = new ArrayDeque<String>();
    for (JsonStreamContext at = context; at != null; at = at.getParent()) {
      if (at.inObject() && at.getCurrentName() != null) {
        names.addFirst(at.getCurrentName());
      }
    }
    return String.join(".", names);
  }

  /** A tree node as the YAML reader gave it, for {@link YamlDocuments#describe}. */
  static Object raw(JsonNode node) {
    return switch (node) {
      case ObjectNode ignored -> Map.of();
      case ArrayNode ignored -> List.of();
      case POJONode pojo -> pojo.getPojo();
      case BinaryNode binary -> binary.binaryValue();
      case ValueNode value when value.isNumber() -> value.numberValue();
      case ValueNode value when value.isBoolean() -> value.booleanValue();
      case ValueNode value when value.isNull() -> null;
      default -> node.asText();
    };
  }

  /**
   * One value's type. {@link #parse} gets the value as the YAML reader gave it (a string, number,
   * boolean, or a list or mapping where a scalar belongs) and throws {@link
   * IllegalArgumentException} with the text that follows the key's name.
   */
  abstract static class Value<T> extends JsonDeserializer<T> {
    abstract T parse(Object value, boolean fromEnvironment, Binding binding);

    @Override
    public final T deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      ConfigKey key = ConfigKey.byPath(pathOf(parser.getParsingContext())).orElseThrow();
      Object value = raw(context.readTree(parser));
      Binding binding = Binding.of(context);
      binding.present.add(key);
      try {
        return parse(value, binding.fromEnvironment.contains(key), binding);
      } catch (IllegalArgumentException bad) {
        binding.failures.put(key, bad.getMessage());
        return null;
      }
    }
  }

  /** A fixed set of words, in any case: the one parser for every enum. */
  abstract static class Choice<E extends Enum<E>> extends Value<E> {
    private final List<E> choices;

    @SafeVarargs
    Choice(E... choices) {
      this.choices = List.of(choices);
    }

    @Override
    E parse(Object value, boolean fromEnvironment, Binding binding) {
      List<String> words = choices.stream().map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
      if (value instanceof String text) {
        int chosen = words.indexOf(text.trim().toLowerCase(Locale.ROOT));
        if (chosen >= 0) {
          return choices.get(chosen);
        }
      }
      throw new IllegalArgumentException(
          "expected "
              + String.join(", ", words.subList(0, words.size() - 1))
              + " or "
              + words.getLast()
              + ", got "
              + YamlDocuments.describe(value));
    }
  }

  static final class RelayChoice extends Choice<RelayMode> {
    RelayChoice() {
      super(RelayMode.AUTO, RelayMode.SPLICE, RelayMode.COPY);
    }
  }

  static final class Provider extends Choice<TlsProvider> {
    Provider() {
      super(TlsProvider.AUTO, TlsProvider.OPENSSL, TlsProvider.JDK);
    }
  }

  static final class LogFormat extends Choice<AccessLogFormat> {
    LogFormat() {
      super(AccessLogFormat.JSON, AccessLogFormat.SQUID);
    }
  }

  /**
   * {@code accessLog.path}: {@code -} (standard output, kept as the relative path {@code -}), or a
   * file like {@link FilePath}, which is always absolute.
   */
  static final class LogPath extends Value<Path> {
    static final Path STDOUT = Path.of("-");

    @Override
    Path parse(Object value, boolean fromEnvironment, Binding binding) {
      if (value instanceof String text && text.trim().equals("-")) {
        return STDOUT;
      }
      if (!(value instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException(
            "expected a file path or - for standard output, got " + YamlDocuments.describe(value));
      }
      return new FilePath().parse(value, fromEnvironment, binding);
    }
  }

  static final class Protection extends Choice<GssapiProtection> {
    Protection() {
      super(GssapiProtection.values());
    }
  }

  static final class HostPortValue extends Value<InetSocketAddress> {
    @Override
    InetSocketAddress parse(Object value, boolean fromEnvironment, Binding binding) {
      if (!(value instanceof String text)) {
        throw new IllegalArgumentException(
            "expected host:port, got " + YamlDocuments.describe(value));
      }
      try {
        return HostPort.parse(text);
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(
            bad.getMessage() + ", got " + YamlDocuments.describe(text), bad);
      }
    }
  }

  /** A duration that may be zero: {@code shutdown.drainTimeout}. */
  static class AnyDuration extends Value<Duration> {
    @Override
    Duration parse(Object value, boolean fromEnvironment, Binding binding) {
      if (value instanceof String text) {
        try {
          return Durations.parse(text);
        } catch (IllegalArgumentException notDuration) {
          // reported below, with the expected form
        }
      }
      throw new IllegalArgumentException(
          "expected a duration like 30s or 5m, got " + YamlDocuments.describe(value));
    }
  }

  static final class PositiveDuration extends AnyDuration {
    @Override
    Duration parse(Object value, boolean fromEnvironment, Binding binding) {
      Duration duration = super.parse(value, fromEnvironment, binding);
      if (duration.isZero()) {
        throw new IllegalArgumentException(
            "must be longer than 0, got " + YamlDocuments.describe(value));
      }
      return duration;
    }
  }

  abstract static class WholeNumber extends Value<Integer> {
    private final int min;
    private final int max;

    WholeNumber(int min, int max) {
      this.min = min;
      this.max = max;
    }

    @Override
    Integer parse(Object value, boolean fromEnvironment, Binding binding) {
      String expected =
          "expected a whole number from "
              + min
              + " to "
              + max
              + ", got "
              + YamlDocuments.describe(value);
      long number =
          switch (value) {
            case Integer i -> i;
            case Long l -> l;
            case String text when text.trim().matches("-?\\d{1,12}") -> Long.parseLong(text.trim());
            case null, default -> throw new IllegalArgumentException(expected);
          };
      if (number < min || number > max) {
        throw new IllegalArgumentException(expected);
      }
      return (int) number;
    }
  }

  static final class HandshakeBytes extends WholeNumber {
    HandshakeBytes() {
      super(64, ProxyConfigLoader.MAX_HANDSHAKE_BYTES_CEILING);
    }
  }

  static final class HeaderBytes extends WholeNumber {
    HeaderBytes() {
      super(
          ProxyServerSettings.MAX_HEADER_BYTES_FLOOR, ProxyServerSettings.MAX_HEADER_BYTES_CEILING);
    }
  }

  /** QUIC's initial_max_streams_bidi, as far as the front end allows it. */
  static final class QuicStreams extends WholeNumber {
    QuicStreams() {
      super(1, ProxyConfigLoader.MAX_QUIC_STREAMS_CEILING);
    }
  }

  /** Bytes per splice pipe: a page at least, Linux's default pipe-max-size at most. */
  static final class PipeSize extends WholeNumber {
    PipeSize() {
      super(4096, ProxyConfigLoader.MAX_PIPE_SIZE);
    }
  }

  /** A count of kernel pipes: 0 turns splicing into copying. */
  static final class Pipes extends WholeNumber {
    Pipes() {
      super(0, Integer.MAX_VALUE);
    }
  }

  /** A connection cap: 0 is unlimited. */
  static final class Connections extends WholeNumber {
    Connections() {
      super(0, Integer.MAX_VALUE);
    }
  }

  /** An open-file limit the proxy needs: 0 is no requirement. */
  static final class OpenFiles extends WholeNumber {
    OpenFiles() {
      super(0, Integer.MAX_VALUE);
    }
  }

  static final class Flag extends Value<Boolean> {
    @Override
    Boolean parse(Object value, boolean fromEnvironment, Binding binding) {
      return switch (value) {
        case Boolean flag -> flag;
        case String text when text.trim().equalsIgnoreCase("true") -> true;
        case String text when text.trim().equalsIgnoreCase("false") -> false;
        case null, default ->
            throw new IllegalArgumentException(
                "expected true or false, got " + YamlDocuments.describe(value));
      };
    }
  }

  /**
   * A file, relative to the config file's directory, or to the working directory when its
   * environment variable set it.
   */
  static final class FilePath extends Value<Path> {
    @Override
    Path parse(Object value, boolean fromEnvironment, Binding binding) {
      if (!(value instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException(
            "expected a file path, got " + YamlDocuments.describe(value));
      }
      Path base = fromEnvironment ? binding.workingDirectory : binding.configDirectory;
      try {
        return base.resolve(text.trim()).normalize();
      } catch (InvalidPathException invalid) {
        throw new IllegalArgumentException(
            "not a valid file path: " + YamlDocuments.describe(text), invalid);
      }
    }
  }

  static final class Url extends Value<URI> {
    @Override
    URI parse(Object value, boolean fromEnvironment, Binding binding) {
      if (!(value instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException("expected a URL, got " + YamlDocuments.describe(value));
      }
      try {
        URI uri = new URI(text.strip());
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException(
              "expected an absolute URL like http://host:port, got "
                  + YamlDocuments.describe(text));
        }
        return uri;
      } catch (URISyntaxException bad) {
        throw new IllegalArgumentException(
            "not a URL (" + bad.getReason() + "), got " + YamlDocuments.describe(text), bad);
      }
    }
  }

  /** A secret: no message ever shows it. */
  static final class ApiKey extends Value<String> {
    @Override
    String parse(Object value, boolean fromEnvironment, Binding binding) {
      return apiKey(value);
    }
  }

  static String apiKey(Object value) {
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("expected an API key (a string)");
    }
    String key = text.strip();
    if (key.isEmpty() || key.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      throw new IllegalArgumentException(
          "expected an API key: one word of printable ASCII (the value is not shown)");
    }
    return key;
  }

  /** {@code *}, or a principal with its realm: {@code HTTP/proxy.example.com@EXAMPLE.COM}. */
  static final class Principal extends Value<String> {
    @Override
    String parse(Object value, boolean fromEnvironment, Binding binding) {
      String text =
          text(value, "a Kerberos principal like HTTP/proxy.example.com@EXAMPLE.COM or *");
      if (!text.equals(KerberosAcceptor.ANY_PRINCIPAL)
          && (text.indexOf('@') <= 0 || text.endsWith("@") || text.contains(" "))) {
        throw new IllegalArgumentException(
            "expected a Kerberos principal with its realm like HTTP/proxy.example.com@EXAMPLE.COM,"
                + " or *, got "
                + YamlDocuments.describe(text));
      }
      return text;
    }
  }

  static final class Realm extends Value<KerberosPrincipalMapping> {
    @Override
    KerberosPrincipalMapping parse(Object value, boolean fromEnvironment, Binding binding) {
      return KerberosPrincipalMapping.forRealm(text(value, "a Kerberos realm"));
    }
  }

  private static String text(Object value, String expected) {
    if (!(value instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException(
          "expected " + expected + ", got " + YamlDocuments.describe(value));
    }
    return text.trim();
  }
}
