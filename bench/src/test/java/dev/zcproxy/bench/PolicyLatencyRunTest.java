package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyLatencyRunTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"\"42\"|42", "W/\"7\"|7", " \"1000000\" |1000000"})
  void reads_the_revision_from_the_state_services_etag(String etag, long revision) {
    assertThat(PolicyLatencyRun.etagRevision(etag)).hasValue(revision);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"42", "\"\"", "\"abc\"", "\"42\"x"})
  void refuses_an_etag_that_is_not_a_revision(String etag) {
    assertThat(PolicyLatencyRun.etagRevision(etag)).isEmpty();
  }

  @Test
  void reads_the_revision_from_the_proxys_policy_answer() {
    String answer =
        "{\"revision\":17,\"digest\":\"ab12\",\"source\":\"state-service\","
            + "\"origin\":\"feed\",\"ageSeconds\":0.4}";

    assertThat(PolicyLatencyRun.policyRevision(answer)).hasValue(17);
    assertThat(PolicyLatencyRun.policyRevision("{ \"revision\" : 3 }")).hasValue(3);
    assertThat(PolicyLatencyRun.policyRevision("{\"revision\":null}"))
        .isEqualTo(OptionalLong.empty());
  }

  @Test
  void percentiles_are_nearest_rank_over_the_samples_in_any_order() {
    // 1..100 µs, shuffled: p50 is the 50th, p99 the 99th, max the 100th.
    long[] nanos = LongStream.rangeClosed(1, 100).map(i -> ((i * 37) % 100 + 1) * 1_000).toArray();

    var result = new PolicyLatencyRun.Result(nanos, 10, 109, 250);

    assertThat(result.percentileMicros(50)).isEqualTo(50.0);
    assertThat(result.percentileMicros(99)).isEqualTo(99.0);
    assertThat(result.percentileMicros(100)).isEqualTo(100.0);
    assertThat(result.meanMicros()).isEqualTo(50.5);
    assertThat(result.report())
        .isEqualTo(
            "mode=policy-latency changes=100 p50_us=50 p99_us=99 max_us=100 mean_us=51"
                + " min_us=1 first_revision=10 last_revision=109 polls_per_change=2.5");
  }

  @Test
  void a_single_sample_is_every_percentile() {
    var result = new PolicyLatencyRun.Result(new long[] {2_500_000}, 5, 5, 1);

    assertThat(result.percentileMicros(50)).isEqualTo(2_500.0);
    assertThat(result.percentileMicros(99)).isEqualTo(2_500.0);
  }

  @Test
  void a_run_without_samples_is_refused() {
    assertThatThrownBy(() -> new PolicyLatencyRun.Result(new long[0], 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parses_a_full_command_line() {
    var options =
        PolicyLatencyOptions.parse(
            new String[] {
              "policy-latency",
              "--state-url",
              "http://127.0.0.1:8080/",
              "--api-key-file",
              "/tmp/admin.key",
              "--proxy-admin",
              "http://127.0.0.1:9090",
              "--changes",
              "250",
              "--warmup-changes",
              "0",
              "--max-pause-ms",
              "1000",
              "--timeout-seconds",
              "10",
              "--samples-file",
              "/tmp/samples"
            });

    assertThat(options.stateService()).isEqualTo(URI.create("http://127.0.0.1:8080"));
    assertThat(options.apiKeyFile()).isEqualTo(Path.of("/tmp/admin.key"));
    assertThat(options.proxyAdmin()).isEqualTo(URI.create("http://127.0.0.1:9090"));
    assertThat(options.changes()).isEqualTo(250);
    assertThat(options.warmupChanges()).isZero();
    assertThat(options.maxPause()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.samplesFile()).contains(Path.of("/tmp/samples"));
  }

  @Test
  void defaults_are_a_thousand_changes_after_twenty_unmeasured() {
    var options =
        PolicyLatencyOptions.parse(
            new String[] {
              "policy-latency",
              "--state-url",
              "http://127.0.0.1:1",
              "--api-key-file",
              "k",
              "--proxy-admin",
              "http://127.0.0.1:2"
            });

    assertThat(options.changes()).isEqualTo(1000);
    assertThat(options.warmupChanges()).isEqualTo(20);
    assertThat(options.maxPause()).isZero();
    assertThat(options.samplesFile()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "policy-latency --api-key-file k --proxy-admin http://127.0.0.1:2|needs --state-url",
        "policy-latency --state-url https://x:1 --api-key-file k --proxy-admin http://127.0.0.1:2"
            + "|wants an http:// URL",
        "policy-latency --state-url http://127.0.0.1:1 --changes 0|must be at least 1",
        "policy-latency --state-url http://127.0.0.1:1 --changes many|wants a number",
        "policy-latency --max-pause-ms|needs a value",
        "policy-latency --seconds 3|unknown option: --seconds"
      })
  void refuses_a_bad_command_line(String line, String message) {
    assertThatThrownBy(() -> PolicyLatencyOptions.parse(line.split(" ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
