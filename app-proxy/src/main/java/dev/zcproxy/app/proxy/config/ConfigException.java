package dev.zcproxy.app.proxy.config;

import java.util.List;

/**
 * The configuration cannot be used. It carries every problem found, not just the first, so an
 * operator fixes them all in one round. Each problem names where it is: a config key path ({@code
 * config key 'limits.idleTimeout': ...}) or a policy file path.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("\n", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  /** One line each, ready to print. */
  public List<String> problems() {
    return problems;
  }
}
