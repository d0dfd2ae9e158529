package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.bench.ThroughputRun.Direction;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BenchOptionsTest {

  @Test
  void defaults_keep_the_single_stream_upload_of_the_socks_bench() {
    BenchOptions options = BenchOptions.parse(new String[] {"throughput"});

    assertThat(options.direction()).isEqualTo(Direction.UPLOAD);
    assertThat(options.streams()).isEqualTo(1);
    assertThat(options.socks()).isEmpty();
    assertThat(options.forward()).isEmpty();
    assertThat(options.httpConnect()).isEmpty();
    assertThat(options.farEndPort()).isZero();
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(8));
    assertThat(options.messageBytes()).isEqualTo(1024);
  }

  @Test
  void parses_a_download_with_parallel_streams_through_a_forwarder() {
    BenchOptions options =
        BenchOptions.parse(
            new String[] {
              "throughput",
              "--forward",
              "127.0.0.1:8443",
              "--far-end-port",
              "9000",
              "--direction",
              "download",
              "--streams",
              "10",
              "--seconds",
              "5",
              "--warmup",
              "0"
            });

    assertThat(options.mode()).isEqualTo(BenchOptions.Mode.THROUGHPUT);
    assertThat(options.forward()).contains(new InetSocketAddress("127.0.0.1", 8443));
    assertThat(options.farEndPort()).isEqualTo(9000);
    assertThat(options.direction()).isEqualTo(Direction.DOWNLOAD);
    assertThat(options.streams()).isEqualTo(10);
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.warmup()).isZero();
  }

  @Test
  void parses_a_latency_run_through_socks() {
    BenchOptions options =
        BenchOptions.parse(
            new String[] {"latency", "--socks", "127.0.0.1:1080", "--message-bytes", "4096"});

    assertThat(options.mode()).isEqualTo(BenchOptions.Mode.LATENCY);
    assertThat(options.socks()).contains(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(options.messageBytes()).isEqualTo(4096);
  }

  @Test
  void parses_a_download_through_an_http_proxy_connect() {
    BenchOptions options =
        BenchOptions.parse(
            new String[] {
              "throughput", "--http-connect", "127.0.0.1:3128", "--direction", "download"
            });

    assertThat(options.httpConnect()).contains(new InetSocketAddress("127.0.0.1", 3128));
    assertThat(options.socks()).isEmpty();
    assertThat(options.forward()).isEmpty();
    assertThat(options.direction()).isEqualTo(Direction.DOWNLOAD);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "throughput --socks 127.0.0.1:1080 --forward 127.0.0.1:2000 --far-end-port 9000"
            + " | --socks, --forward and --http-connect exclude each other",
        "throughput --socks 127.0.0.1:1080 --http-connect 127.0.0.1:3128"
            + " | --socks, --forward and --http-connect exclude each other",
        "throughput --http-connect 127.0.0.1 | --http-connect wants HOST:PORT, got 127.0.0.1",
        "throughput --http-connect 127.0.0.1:3128 --user u --pass p | --user and --pass need --socks",
        "throughput --forward 127.0.0.1:2000 | --forward needs --far-end-port",
        "throughput --direction sideways | --direction wants upload or download, got sideways",
        "throughput --streams 0 | --streams must be positive",
        "throughput --far-end-port 70000 | --far-end-port must be at most 65535",
        "latency --message-bytes lots | --message-bytes wants a number, got lots",
        "latency --forward nowhere --far-end-port 1 | --forward wants HOST:PORT, got nowhere",
        "throughput --streams | --streams needs a value",
        "echo | unknown mode: echo",
      })
  void refuses_bad_command_lines_with_a_reason(String commandLine, String reason) {
    assertThatThrownBy(() -> BenchOptions.parse(commandLine.split(" ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(reason);
  }
}
