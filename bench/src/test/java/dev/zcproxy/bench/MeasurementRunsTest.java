package dev.zcproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.zcproxy.bench.ThroughputRun.Direction;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Short real runs over loopback, directly and through a TCP forwarder whose backend is the fixed
 * far-end port: what splice-bench.sh does with HAProxy. They check that bytes flow and that the
 * counts add up, never how fast.
 */
class MeasurementRunsTest {

  // Long enough that a busy 2-core machine, which can leave a thread unscheduled for a few hundred
  // milliseconds, still moves bytes in the warm-up and in the measured window.
  private static final Duration WARMUP = Duration.ofMillis(500);
  private static final Duration MEASURED = Duration.ofSeconds(1);

  private static final Connector DIRECT =
      new Connector(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  @ParameterizedTest
  @CsvSource({"UPLOAD, 1", "UPLOAD, 3", "DOWNLOAD, 1", "DOWNLOAD, 3"})
  void throughput_counts_the_bytes_of_every_stream(Direction direction, int streams)
      throws Exception {
    ThroughputRun.Result result =
        ThroughputRun.run(DIRECT, direction, streams, WARMUP, MEASURED, 0);

    assertThat(result.measuredBytes()).isPositive();
    assertThat(result.totalBytes()).isGreaterThan(result.measuredBytes());
    assertThat(result.report())
        .startsWith("mode=throughput direction=" + direction.label() + " streams=" + streams)
        .contains("gbit_per_second=", "total_bytes=" + result.totalBytes());
  }

  @ParameterizedTest
  @EnumSource(Direction.class)
  void throughput_goes_through_a_forwarder_to_the_fixed_far_end_port(Direction direction)
      throws Exception {
    int farEndPort = freePort();
    try (TcpForwarder forwarder =
        new TcpForwarder(new InetSocketAddress(InetAddress.getLoopbackAddress(), farEndPort))) {
      Connector viaForwarder =
          new Connector(
              Optional.empty(),
              Optional.empty(),
              Optional.of(forwarder.address()),
              Optional.empty());

      ThroughputRun.Result result =
          ThroughputRun.run(viaForwarder, direction, 2, WARMUP, MEASURED, farEndPort);

      assertThat(result.measuredBytes()).isPositive();
    }
  }

  @ParameterizedTest
  @CsvSource({"1024", "16384"})
  void latency_echoes_whole_messages_and_orders_its_percentiles(int messageBytes) throws Exception {
    LatencyRun.Result result = LatencyRun.run(DIRECT, messageBytes, WARMUP, MEASURED, 0);

    assertThat(result.roundTrips()).isPositive();
    assertThat(result.totalBytes() % (2L * messageBytes)).isZero();
    assertThat(result.percentileMicros(99)).isGreaterThanOrEqualTo(result.percentileMicros(50));
    assertThat(result.report()).startsWith("mode=latency message_bytes=" + messageBytes);
  }

  @ParameterizedTest
  @CsvSource({"64, 8", "1200, 64"})
  void udp_rate_counts_what_went_out_arrived_and_came_back(int payloadBytes, int window)
      throws Exception {
    UdpRateRun.Result result =
        UdpRateRun.run(DatagramFlow.Direct::new, payloadBytes, window, WARMUP, MEASURED, 0);

    assertThat(result.echoedInWindow()).isPositive();
    assertThat(result.sent()).isGreaterThanOrEqualTo(result.arrived());
    assertThat(result.arrived()).isGreaterThanOrEqualTo(result.returned());
    assertThat(result.malformed()).isZero();
    assertThat(result.report())
        .startsWith("mode=udp-rate path=direct payload_bytes=" + payloadBytes + " window=" + window)
        .contains("loss_percent=", "relayed_datagrams=" + result.relayedDatagrams());
  }

  @Test
  void latency_goes_through_a_forwarder_to_the_fixed_far_end_port() throws Exception {
    int farEndPort = freePort();
    try (TcpForwarder forwarder =
        new TcpForwarder(new InetSocketAddress(InetAddress.getLoopbackAddress(), farEndPort))) {
      Connector viaForwarder =
          new Connector(
              Optional.empty(),
              Optional.empty(),
              Optional.of(forwarder.address()),
              Optional.empty());

      LatencyRun.Result result = LatencyRun.run(viaForwarder, 1024, WARMUP, MEASURED, farEndPort);

      assertThat(result.roundTrips()).isPositive();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
