package dev.zcproxy.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a policy change made through the state service's REST API takes to be in force at a
 * proxy: the clock starts when the API's response has arrived (its {@code ETag} is the revision the
 * change created) and stops when the proxy's {@code GET /policy} first reports that revision or a
 * later one. The proxy is polled back to back over one keep-alive connection, so the figure is the
 * propagation time plus at most one poll's round trip.
 *
 * <p>Every change replaces the same rule (a new port each time), so the policy keeps its size
 * however many changes a run makes: a growing policy would slow the snapshot fetches of a polling
 * proxy as the run goes on.
 */
final class PolicyLatencyRun {

  private static final Pattern REVISION_FIELD = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");
  private static final Pattern ETAG = Pattern.compile("(?:W/)?\"(\\d+)\"");
  private static final Pattern ID_FIELD = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final int FIRST_PORT = 20_000;

  /**
   * @param sortedNanos every measured latency, shortest first
   * @param firstRevision the revision of the first measured change
   * @param lastRevision the revision of the last one
   * @param polls how many {@code GET /policy} the measured changes took in all
   */
  record Result(long[] sortedNanos, long firstRevision, long lastRevision, long polls) {

    Result {
      if (sortedNanos.length == 0) {
        throw new IllegalArgumentException("no change was measured");
      }
      sortedNanos = sortedNanos.clone();
      Arrays.sort(sortedNanos);
    }

    /** Nearest rank: the smallest sample with at least {@code percentile} % at or below it. */
    double percentileMicros(double percentile) {
      int rank = (int) Math.ceil(percentile / 100 * sortedNanos.length);
      return sortedNanos[Math.max(0, rank - 1)] / 1e3;
    }

    double meanMicros() {
      return Arrays.stream(sortedNanos).average().orElseThrow() / 1e3;
    }

    String report() {
      return ("mode=policy-latency changes=%d p50_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f"
              + " min_us=%.0f first_revision=%d last_revision=%d polls_per_change=%.1f")
          .formatted(
              sortedNanos.length,
              percentileMicros(50),
              percentileMicros(99),
              sortedNanos[sortedNanos.length - 1] / 1e3,
              meanMicros(),
              sortedNanos[0] / 1e3,
              firstRevision,
              lastRevision,
              (double) polls / sortedNanos.length);
    }
  }

  private final PolicyLatencyOptions options;
  private final HttpClient client;
  private final String authorization;

  private PolicyLatencyRun(PolicyLatencyOptions options, String apiKey) {
    this.options = options;
    // HTTP/1.1 keeps one connection per host alive between requests: the polls and the API calls
    // each reuse theirs, with no handshake in the measured time.
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.authorization = "Bearer " + apiKey;
  }

  static Result run(PolicyLatencyOptions options) throws IOException, InterruptedException {
    String apiKey = Files.readString(options.apiKeyFile(), StandardCharsets.UTF_8).strip();
    if (apiKey.isEmpty()) {
      throw new IOException(options.apiKeyFile() + " is empty");
    }
    return new PolicyLatencyRun(options, apiKey).measure();
  }

  private Result measure() throws IOException, InterruptedException {
    HttpResponse<String> created =
        send(
            api("/api/v1/rules")
                .POST(HttpRequest.BodyPublishers.ofString(ruleJson(FIRST_PORT)))
                .build(),
            201);
    String ruleId =
        field(ID_FIELD, created.body())
            .orElseThrow(() -> new IOException("no rule id in " + created.body()));
    long[] latencies = new long[options.changes()];
    long polls = 0;
    long firstRevision = 0;
    long lastRevision = 0;
    awaitRevision(etagRevision(created), System.nanoTime());
    int total = options.warmupChanges() + options.changes();
    for (int i = 0; i < total; i++) {
      pause();
      HttpResponse<String> replaced =
          send(
              api("/api/v1/rules/" + ruleId)
                  .header("If-Match", "*")
                  .PUT(HttpRequest.BodyPublishers.ofString(ruleJson(FIRST_PORT + 1 + i % 40_000)))
                  .build(),
              200);
      long start = System.nanoTime();
      long revision = etagRevision(replaced);
      Arrival arrival = awaitRevision(revision, start);
      int measured = i - options.warmupChanges();
      if (measured >= 0) {
        latencies[measured] = arrival.nanos();
        polls += arrival.polls();
        firstRevision = measured == 0 ? revision : firstRevision;
        lastRevision = revision;
      }
    }
    Result result = new Result(latencies, firstRevision, lastRevision, polls);
    if (options.samplesFile().isPresent()) {
      StringBuilder lines = new StringBuilder();
      for (long nanos : latencies) {
        lines.append(nanos / 1_000).append('\n');
      }
      Files.writeString(
          options.samplesFile().orElseThrow(),
          lines,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return result;
  }

  private record Arrival(long nanos, long polls) {}

  private Arrival awaitRevision(long wanted, long start) throws IOException, InterruptedException {
    HttpRequest poll =
        HttpRequest.newBuilder(URI.create(options.proxyAdmin() + "/policy"))
            .timeout(REQUEST_TIMEOUT)
            .GET()
            .build();
    long deadline = start + options.timeout().toNanos();
    long polls = 0;
    while (true) {
      HttpResponse<String> answer = send(poll, 200);
      long now = System.nanoTime();
      polls++;
      long applied =
          policyRevision(answer.body())
              .orElseThrow(() -> new IOException("no revision in GET /policy: " + answer.body()));
      if (applied >= wanted) {
        return new Arrival(now - start, polls);
      }
      if (now > deadline) {
        throw new IOException(
            "revision "
                + wanted
                + " not at the proxy after "
                + options.timeout()
                + " (it reports "
                + applied
                + ")");
      }
    }
  }

  private void pause() throws InterruptedException {
    long maxMillis = options.maxPause().toMillis();
    if (maxMillis > 0) {
      Thread.sleep(ThreadLocalRandom.current().nextLong(maxMillis + 1));
    }
  }

  private HttpRequest.Builder api(String path) {
    return HttpRequest.newBuilder(URI.create(options.stateService() + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Authorization", authorization)
        .header("Content-Type", "application/json");
  }

  private HttpResponse<String> send(HttpRequest request, int expectedStatus)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != expectedStatus) {
      throw new IOException(
          request.method()
              + " "
              + request.uri()
              + " answered "
              + response.statusCode()
              + ", not "
              + expectedStatus
              + ": "
              + response.body());
    }
    return response;
  }

  private static String ruleJson(int port) {
    return "{\"action\":\"allow\",\"groups\":[\"policy-bench\"],"
        + "\"destinations\":[\"127.0.0.1/32\"],\"ports\":[\""
        + port
        + "\"]}";
  }

  private static long etagRevision(HttpResponse<String> response) throws IOException {
    String etag =
        response
            .headers()
            .firstValue("ETag")
            .orElseThrow(() -> new IOException("no ETag on " + response.uri()));
    return etagRevision(etag).orElseThrow(() -> new IOException("not a revision ETag: " + etag));
  }

  /** The revision in an ETag as the state service writes it, {@code "42"}. */
  static OptionalLong etagRevision(String etag) {
    Matcher matcher = ETAG.matcher(etag.strip());
    return matcher.matches()
        ? OptionalLong.of(Long.parseLong(matcher.group(1)))
        : OptionalLong.empty();
  }

  /** The {@code revision} of the proxy's {@code GET /policy} answer. */
  static OptionalLong policyRevision(String json) {
    Matcher matcher = REVISION_FIELD.matcher(json);
    return matcher.find()
        ? OptionalLong.of(Long.parseLong(matcher.group(1)))
        : OptionalLong.empty();
  }

  private static java.util.Optional<String> field(Pattern pattern, String json) {
    Matcher matcher = pattern.matcher(json);
    return matcher.find() ? java.util.Optional.of(matcher.group(1)) : java.util.Optional.empty();
  }
}
