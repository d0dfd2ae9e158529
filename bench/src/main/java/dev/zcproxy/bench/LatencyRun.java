package dev.zcproxy.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

/**
 * Request/response latency over one long-lived connection (one tunnel through a proxy): the client
 * sends a message, waits until the echo of all of it is back, and sends the next, for the whole
 * run. The connection and its handshake happen before the clock starts, so only the relay's
 * per-message cost shows.
 */
final class LatencyRun {

  /**
   * @param roundTrips completed in the measured window
   * @param measuredNanos the measured window
   * @param sortedRoundTripNanos every measured round trip, shortest first
   * @param totalBytes every byte of the run in both directions, warm-up included
   */
  record Result(
      int messageBytes,
      long roundTrips,
      long measuredNanos,
      long[] sortedRoundTripNanos,
      long totalBytes) {

    double percentileMicros(double percentile) {
      int rank = (int) Math.ceil(percentile / 100 * sortedRoundTripNanos.length);
      return sortedRoundTripNanos[Math.max(0, rank - 1)] / 1e3;
    }

    String report() {
      return ("mode=latency message_bytes=%d round_trips=%d seconds=%.3f"
              + " round_trips_per_second=%.0f p50_us=%.1f p99_us=%.1f total_bytes=%d")
          .formatted(
              messageBytes,
              roundTrips,
              measuredNanos / 1e9,
              roundTrips * 1e9 / measuredNanos,
              percentileMicros(50),
              percentileMicros(99),
              totalBytes);
    }
  }

  private LatencyRun() {}

  /**
   * @param farEndPort where the echo server listens; 0 for any free port
   */
  static Result run(
      Connector connector, int messageBytes, Duration warmup, Duration duration, int farEndPort)
      throws IOException {
    try (EchoServer echo = EchoServer.start(farEndPort);
        SocketChannel tunnel = connector.open(echo.address())) {
      ByteBuffer request = ByteBuffer.allocateDirect(messageBytes);
      for (int i = 0; i < messageBytes; i++) {
        request.put((byte) (i * 31));
      }
      ByteBuffer response = ByteBuffer.allocateDirect(messageBytes);
      long[] roundTrips = new long[1 << 16];
      int measured = 0;
      long exchanges = 0;
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      long started;
      while ((started = System.nanoTime()) < end) {
        request.clear();
        while (request.hasRemaining()) {
          tunnel.write(request);
        }
        response.clear();
        while (response.hasRemaining()) {
          if (tunnel.read(response) < 0) {
            throw new EOFException("the tunnel closed in the middle of a round trip");
          }
        }
        long finished = System.nanoTime();
        exchanges++;
        if (started >= measureFrom) {
          if (measured == roundTrips.length) {
            roundTrips = Arrays.copyOf(roundTrips, roundTrips.length * 2);
          }
          roundTrips[measured++] = finished - started;
        }
      }
      if (measured == 0) {
        throw new IOException("no round trip completed in the measured window");
      }
      long[] sorted = Arrays.copyOf(roundTrips, measured);
      Arrays.sort(sorted);
      return new Result(
          messageBytes, measured, end - measureFrom, sorted, exchanges * 2 * messageBytes);
    }
  }
}
