package dev.zcproxy.app.proxy;

import java.nio.file.Path;
import java.util.List;

/** What the command line asks for. Parsing never throws: bad input becomes {@link Invalid}. */
sealed interface CommandLine {

  String USAGE =
      """
      Usage:
        java -jar zcproxy-proxy.jar --config FILE   run the proxy
        java -jar zcproxy-proxy.jar hash-password   read a password from stdin, print its hash
        java -jar zcproxy-proxy.jar --version
        java -jar zcproxy-proxy.jar --help

      Every config key can be overridden by an environment variable: limits.idleTimeout by
      ZCPROXY_LIMITS_IDLE_TIMEOUT, and so on. See examples/zcproxy.yaml.
      """;

  record Serve(Path config) implements CommandLine {}

  record HashPassword() implements CommandLine {}

  record Help() implements CommandLine {}

  record Version() implements CommandLine {}

  record Invalid(String problem) implements CommandLine {}

  static CommandLine parse(String... args) {
    List<String> arguments = List.of(args);
    if (arguments.contains("--help") || arguments.contains("-h")) {
      return new Help();
    }
    if (arguments.contains("--version")) {
      return new Version();
    }
    if (arguments.isEmpty()) {
      return new Invalid("missing --config FILE");
    }
    if (arguments.getFirst().equals("hash-password")) {
      return arguments.size() == 1
          ? new HashPassword()
          : new Invalid("hash-password takes no arguments: it reads the password from stdin");
    }
    Path config = null;
    for (int i = 0; i < arguments.size(); i++) {
      String argument = arguments.get(i);
      String value;
      if (argument.equals("--config")) {
        if (i + 1 == arguments.size()) {
          return new Invalid("--config needs a FILE");
        }
        value = arguments.get(++i);
      } else if (argument.startsWith("--config=")) {
        value = argument.substring("--config=".length());
      } else {
        return new Invalid("unknown argument '" + argument + "'");
      }
      if (config != null) {
        return new Invalid("--config given more than once");
      }
      if (value.isBlank()) {
        return new Invalid("--config needs a FILE");
      }
      config = Path.of(value);
    }
    return new Serve(config);
  }
}
