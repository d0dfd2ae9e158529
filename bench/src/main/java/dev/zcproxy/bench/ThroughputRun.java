package dev.zcproxy.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One TCP stream, written as fast as the path allows. Bytes are counted where they arrive, at the
 * sink, between the end of the warm-up and the end of the run.
 */
final class ThroughputRun {

  private static final int WRITE_BUFFER_BYTES = 256 * 1024;

  /**
   * @param measuredBytes bytes that reached the sink in the measured window
   * @param measuredNanos the measured window
   * @param totalBytes every byte of the run, warm-up included: what the proxy carried
   */
  record Result(long measuredBytes, long measuredNanos, long totalBytes) {
    double bytesPerSecond() {
      return measuredBytes * 1e9 / measuredNanos;
    }

    String report() {
      return "mode=throughput bytes=%d seconds=%.3f bytes_per_second=%.0f gbit_per_second=%.3f total_bytes=%d"
          .formatted(
              measuredBytes,
              measuredNanos / 1e9,
              bytesPerSecond(),
              bytesPerSecond() * 8 / 1e9,
              totalBytes);
    }
  }

  private ThroughputRun() {}

  static Result run(Connector connector, Duration warmup, Duration duration)
      throws IOException, InterruptedException {
    try (SinkServer sink = SinkServer.start()) {
      ByteBuffer chunk = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
      for (int i = 0; i < WRITE_BUFFER_BYTES; i++) {
        chunk.put((byte) (i * 31)); // not all zeros, in case anything on the path compresses
      }
      long start = System.nanoTime();
      long measureFrom = start + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      long measuredStart = -1;
      long bytesAtMeasuredStart = 0;
      long now;
      try (SocketChannel stream = connector.open(sink.address())) {
        while ((now = System.nanoTime()) < end) {
          if (measuredStart < 0 && now >= measureFrom) {
            measuredStart = now;
            bytesAtMeasuredStart = sink.received();
          }
          chunk.clear();
          while (chunk.hasRemaining()) {
            stream.write(chunk);
          }
        }
      }
      if (measuredStart < 0) {
        throw new IOException("the stream never got past the warm-up");
      }
      long measuredBytes = sink.received() - bytesAtMeasuredStart;
      awaitSinkDrained(sink);
      return new Result(measuredBytes, now - measuredStart, sink.received());
    }
  }

  /** The last bytes are still in socket buffers (and the proxy) when the writer closes. */
  private static void awaitSinkDrained(SinkServer sink) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (sink.finishedStreams() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
