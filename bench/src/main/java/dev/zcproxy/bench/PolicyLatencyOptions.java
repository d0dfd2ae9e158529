package dev.zcproxy.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The command line of {@code policy-latency}, parsed and checked.
 *
 * @param stateService the state service's base URL ({@code http://127.0.0.1:8080})
 * @param apiKeyFile a file holding an admin (or policy-writing) API key
 * @param proxyAdmin the proxy's admin listener ({@code http://127.0.0.1:9090}), asked {@code GET
 *     /policy}
 * @param changes measured changes
 * @param warmupChanges unmeasured changes made first (JIT, connection pools, the broker's consumer)
 * @param maxPause before each change the run waits a random time up to this long, so that changes
 *     do not fall at a fixed phase of a poll timer
 * @param timeout how long one change may take to reach the proxy before the run fails
 * @param samplesFile where each measured latency is appended, in microseconds, one a line
 */
record PolicyLatencyOptions(
    URI stateService,
    Path apiKeyFile,
    URI proxyAdmin,
    int changes,
    int warmupChanges,
    Duration maxPause,
    Duration timeout,
    Optional<Path> samplesFile) {

  static final String USAGE =
      """
      usage: java -jar zcproxy-bench.jar policy-latency --state-url URL --api-key-file FILE
                 --proxy-admin URL [--changes N] [--warmup-changes N] [--max-pause-ms N]
                 [--timeout-seconds N] [--samples-file FILE]

        creates one rule through the state service's REST API, then replaces it --changes times
        (PUT /api/v1/rules/ID, a new port each time); after each response it polls the proxy's
        GET /policy until the proxy reports the revision of the response's ETag (or a later one),
        and prints p50/p99/max of that time

        --state-url URL        the state service (http://127.0.0.1:8080)
        --api-key-file FILE    an API key allowed to write the policy
        --proxy-admin URL      the proxy's admin listener (http://127.0.0.1:9090)
        --changes N            measured changes (default 1000)
        --warmup-changes N     unmeasured changes first (default 20)
        --max-pause-ms N       random pause before each change, up to N ms (default 0)
        --timeout-seconds N    the longest one change may take to arrive (default 30)
        --samples-file FILE    append each measured latency (µs) to FILE, one a line
      """;

  static PolicyLatencyOptions parse(String[] args) {
    if (args.length == 0 || !args[0].equals("policy-latency")) {
      throw new IllegalArgumentException("not the policy-latency mode");
    }
    URI stateService = null;
    Path apiKeyFile = null;
    URI proxyAdmin = null;
    int changes = 1000;
    int warmupChanges = 20;
    int maxPauseMillis = 0;
    int timeoutSeconds = 30;
    Path samplesFile = null;
    for (int i = 1; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[i + 1];
      switch (flag) {
        case "--state-url" -> stateService = httpUrl(flag, value);
        case "--api-key-file" -> apiKeyFile = Path.of(value);
        case "--proxy-admin" -> proxyAdmin = httpUrl(flag, value);
        case "--changes" -> changes = number(flag, value, 1);
        case "--warmup-changes" -> warmupChanges = number(flag, value, 0);
        case "--max-pause-ms" -> maxPauseMillis = number(flag, value, 0);
        case "--timeout-seconds" -> timeoutSeconds = number(flag, value, 1);
        case "--samples-file" -> samplesFile = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option: " + flag);
      }
    }
    if (stateService == null || apiKeyFile == null || proxyAdmin == null) {
      throw new IllegalArgumentException(
          "policy-latency needs --state-url, --api-key-file and --proxy-admin");
    }
    return new PolicyLatencyOptions(
        stateService,
        apiKeyFile,
        proxyAdmin,
        changes,
        warmupChanges,
        Duration.ofMillis(maxPauseMillis),
        Duration.ofSeconds(timeoutSeconds),
        Optional.ofNullable(samplesFile));
  }

  /** Trailing slashes dropped, so that paths can be appended. */
  private static URI httpUrl(String flag, String value) {
    String trimmed = value.replaceAll("/+$", "");
    try {
      URI uri = new URI(trimmed);
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException(flag + " wants an http:// URL, got " + value);
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(flag + " wants an http:// URL, got " + value, e);
    }
  }

  private static int number(String flag, String value, int minimum) {
    try {
      int number = Integer.parseInt(value);
      if (number < minimum) {
        throw new IllegalArgumentException(flag + " must be at least " + minimum);
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " wants a number, got " + value, e);
    }
  }
}
