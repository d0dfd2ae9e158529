package dev.zcproxy.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The command line, parsed and checked.
 *
 * @param mode what to measure
 * @param socks the SOCKS5 proxy to go through; empty means connect directly
 * @param credentials RFC 1929 username and password for the proxy, if it wants them
 * @param duration how long the measured part of a run lasts
 * @param warmup how long the run goes before measuring starts (JIT, connection pools, caches)
 * @param threads concurrent clients in {@code cps} mode
 * @param count how many ports {@code free-ports} prints
 */
record BenchOptions(
    Mode mode,
    Optional<InetSocketAddress> socks,
    Optional<Credentials> credentials,
    Duration duration,
    Duration warmup,
    int threads,
    int count) {

  enum Mode {
    THROUGHPUT,
    CPS,
    FREE_PORTS
  }

  record Credentials(String user, String password) {}

  static final String USAGE =
      """
      usage: java -jar zcproxy-bench.jar MODE [options]

      modes:
        throughput   one TCP stream to a local sink for --seconds; prints bytes per second
        cps          --threads clients, each looping connect / 64-byte request / 64-byte response /
                     close for --seconds; prints connections per second and p50/p99 latency
        free-ports   prints --count TCP ports on 127.0.0.1 that are free right now

      options:
        --socks HOST:PORT   go through this SOCKS5 proxy (default: connect directly)
        --user NAME         RFC 1929 username for the proxy (with --pass)
        --pass PASSWORD     RFC 1929 password for the proxy
        --seconds N         measured duration (default 8)
        --warmup N          unmeasured lead-in, in seconds (default 1)
        --threads N         concurrent clients in cps mode (default 32)
        --count N           ports to print in free-ports mode (default 1)
      """;

  static BenchOptions parse(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("no mode given");
    }
    Mode mode =
        switch (args[0]) {
          case "throughput" -> Mode.THROUGHPUT;
          case "cps" -> Mode.CPS;
          case "free-ports" -> Mode.FREE_PORTS;
          default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
        };
    InetSocketAddress socks = null;
    String user = null;
    String password = null;
    int seconds = 8;
    int warmupSeconds = 1;
    int threads = 32;
    int count = 1;
    for (int i = 1; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[i + 1];
      switch (flag) {
        case "--socks" -> socks = hostAndPort(value);
        case "--user" -> user = value;
        case "--pass" -> password = value;
        case "--seconds" -> seconds = positive(flag, value);
        case "--warmup" -> warmupSeconds = nonNegative(flag, value);
        case "--threads" -> threads = positive(flag, value);
        case "--count" -> count = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown option: " + flag);
      }
    }
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException("--user and --pass go together");
    }
    if (user != null && socks == null) {
      throw new IllegalArgumentException("--user and --pass need --socks");
    }
    return new BenchOptions(
        mode,
        Optional.ofNullable(socks),
        user == null ? Optional.empty() : Optional.of(new Credentials(user, password)),
        Duration.ofSeconds(seconds),
        Duration.ofSeconds(warmupSeconds),
        threads,
        count);
  }

  private static InetSocketAddress hostAndPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("--socks wants HOST:PORT, got " + value);
    }
    return new InetSocketAddress(
        value.substring(0, colon), positive("--socks port", value.substring(colon + 1)));
  }

  private static int positive(String flag, String value) {
    int number = nonNegative(flag, value);
    if (number == 0) {
      throw new IllegalArgumentException(flag + " must be positive");
    }
    return number;
  }

  private static int nonNegative(String flag, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number < 0) {
        throw new IllegalArgumentException(flag + " must not be negative");
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " wants a number, got " + value, e);
    }
  }
}
