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

  @Test
  void parses_a_download_through_an_http3_proxy() {
    BenchOptions options =
        BenchOptions.parse(
            new String[] {
              "throughput", "--h3-connect", "127.0.0.1:1080", "--direction", "download"
            });

    assertThat(options.h3Connect()).contains(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(options.h2Connect()).isEmpty();
    assertThat(options.httpConnect()).isEmpty();
    assertThat(options.direction()).isEqualTo(Direction.DOWNLOAD);
  }

  @Test
  void parses_an_upload_through_an_http2_proxy() {
    BenchOptions options =
        BenchOptions.parse(new String[] {"throughput", "--h2-connect", "127.0.0.1:1080"});

    assertThat(options.h2Connect()).contains(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(options.h3Connect()).isEmpty();
    assertThat(options.direction()).isEqualTo(Direction.UPLOAD);
  }

  @Test
  void udp_rate_defaults_to_a_direct_flow_of_1200_byte_datagrams_64_in_flight() {
    BenchOptions options = BenchOptions.parse(new String[] {"udp-rate"});

    assertThat(options.mode()).isEqualTo(BenchOptions.Mode.UDP_RATE);
    assertThat(options.payloadBytes()).isEqualTo(1200);
    assertThat(options.window()).isEqualTo(64);
    assertThat(options.socks()).isEmpty();
    assertThat(options.connectUdp()).isEmpty();
  }

  @Test
  void parses_a_udp_rate_run_through_connect_udp() {
    BenchOptions options =
        BenchOptions.parse(
            new String[] {
              "udp-rate",
              "--connect-udp",
              "127.0.0.1:1080",
              "--payload-bytes",
              "64",
              "--window",
              "32",
              "--seconds",
              "6"
            });

    assertThat(options.connectUdp()).contains(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(options.payloadBytes()).isEqualTo(64);
    assertThat(options.window()).isEqualTo(32);
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void socks_in_a_udp_rate_run_means_udp_associate_with_optional_credentials() {
    BenchOptions options =
        BenchOptions.parse(
            new String[] {
              "udp-rate", "--socks", "127.0.0.1:1080", "--user", "alice", "--pass", "secret"
            });

    assertThat(options.socks()).contains(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(options.credentials()).contains(new BenchOptions.Credentials("alice", "secret"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "throughput --socks 127.0.0.1:1080 --forward 127.0.0.1:2000 --far-end-port 9000"
            + " | --socks, --forward, --http-connect, --h2-connect, --h3-connect and --connect-udp exclude each other",
        "throughput --socks 127.0.0.1:1080 --http-connect 127.0.0.1:3128"
            + " | --socks, --forward, --http-connect, --h2-connect, --h3-connect and --connect-udp exclude each other",
        "throughput --h3-connect 127.0.0.1:1080 --h2-connect 127.0.0.1:1080"
            + " | --socks, --forward, --http-connect, --h2-connect, --h3-connect and --connect-udp exclude each other",
        "udp-rate --socks 127.0.0.1:1080 --connect-udp 127.0.0.1:1080"
            + " | --socks, --forward, --http-connect, --h2-connect, --h3-connect and --connect-udp exclude each other",
        "latency --h3-connect 127.0.0.1:1080 | --h2-connect and --h3-connect are for throughput runs",
        "udp-rate --h2-connect 127.0.0.1:1080 | --h2-connect and --h3-connect are for throughput runs",
        "throughput --connect-udp 127.0.0.1:1080 | --connect-udp is for udp-rate runs",
        "udp-rate --http-connect 127.0.0.1:3128"
            + " | udp-rate goes direct, through --socks (UDP ASSOCIATE) or through --connect-udp",
        "udp-rate --payload-bytes 65508 | --payload-bytes must be at most 65507 (UDP over IPv4)",
        "udp-rate --payload-bytes 0 | --payload-bytes must be positive",
        "udp-rate --window 0 | --window must be positive",
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
