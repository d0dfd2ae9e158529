package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One or more TCP streams, each moving bytes as fast as the path allows, in one direction: upload
 * (the client writes to a sink) or download (a source writes to the client). Bytes are counted
 * where they arrive, between the end of the warm-up and the end of the run, over all streams
 * together. Every stream is connected (and its SOCKS handshake done) before any byte moves.
 */
final class ThroughputRun {

  enum Direction {
    UPLOAD,
    DOWNLOAD;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param measuredBytes bytes that arrived in the measured window
   * @param measuredNanos the measured window
   * @param totalBytes every byte of the run, warm-up included: what a proxy carried
   */
  record Result(
      Direction direction, int streams, long measuredBytes, long measuredNanos, long totalBytes) {
    double bytesPerSecond() {
      return measuredBytes * 1e9 / measuredNanos;
    }

    String report() {
      return ("mode=throughput direction=%s streams=%d bytes=%d seconds=%.3f bytes_per_second=%.0f"
              + " gbit_per_second=%.3f total_bytes=%d")
          .formatted(
              direction.label(),
              streams,
              measuredBytes,
              measuredNanos / 1e9,
              bytesPerSecond(),
              bytesPerSecond() * 8 / 1e9,
              totalBytes);
    }
  }

  record Sample(long bytes, long nanos) {}

  private ThroughputRun() {}

  /**
   * @param farEndPort where the sink or source listens; 0 for any free port
   */
  static Result run(
      Connector connector,
      Direction direction,
      int streams,
      Duration warmup,
      Duration duration,
      int farEndPort)
      throws IOException, InterruptedException {
    return switch (direction) {
      case UPLOAD -> upload(connector, streams, warmup, duration, farEndPort);
      case DOWNLOAD -> download(connector, streams, warmup, duration, farEndPort);
    };
  }

  private static Result upload(
      Connector connector, int streams, Duration warmup, Duration duration, int farEndPort)
      throws IOException, InterruptedException {
    try (SinkServer sink = SinkServer.start(farEndPort)) {
      List<SocketChannel> opened = openAll(connector, sink.address(), streams);
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      StreamWorkers workers =
          StreamWorkers.start("upload", opened, stream -> writeUntil(stream, end));
      Sample measured = measure(sink::received, measureFrom, end);
      workers.join();
      awaitDrained(sink, streams);
      return new Result(
          Direction.UPLOAD, streams, measured.bytes(), measured.nanos(), sink.received());
    }
  }

  private static Result download(
      Connector connector, int streams, Duration warmup, Duration duration, int farEndPort)
      throws IOException, InterruptedException {
    try (SourceServer source = SourceServer.start(farEndPort)) {
      List<SocketChannel> opened = openAll(connector, source.address(), streams);
      AtomicLong received = new AtomicLong();
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      StreamWorkers workers =
          StreamWorkers.start("download", opened, stream -> readUntil(stream, end, received));
      Sample measured = measure(received::get, measureFrom, end);
      workers.join();
      return new Result(
          Direction.DOWNLOAD, streams, measured.bytes(), measured.nanos(), received.get());
    }
  }

  private static List<SocketChannel> openAll(
      Connector connector, InetSocketAddress target, int streams) throws IOException {
    List<SocketChannel> opened = new ArrayList<>(streams);
    try {
      for (int i = 0; i < streams; i++) {
        opened.add(connector.open(target));
      }
      return opened;
    } catch (IOException e) {
      for (SocketChannel stream : opened) {
        stream.close();
      }
      throw e;
    }
  }

  /** Samples the byte counter at the start and at the end of the measured window. */
  static Sample measure(LongSupplier bytesSoFar, long measureFrom, long end)
      throws InterruptedException {
    sleepUntil(measureFrom);
    long startNanos = System.nanoTime();
    long startBytes = bytesSoFar.getAsLong();
    sleepUntil(end);
    long endNanos = System.nanoTime();
    return new Sample(bytesSoFar.getAsLong() - startBytes, endNanos - startNanos);
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    long remaining = nanoTime - System.nanoTime();
    if (remaining > 0) {
      Thread.sleep(Duration.ofNanos(remaining));
    }
  }

  private static void writeUntil(SocketChannel stream, long end) throws IOException {
    ByteBuffer chunk = Payload.chunk();
    while (System.nanoTime() < end) {
      chunk.clear();
      while (chunk.hasRemaining()) {
        stream.write(chunk);
      }
    }
  }

  private static void readUntil(SocketChannel stream, long end, AtomicLong received)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(Payload.CHUNK_BYTES);
    while (System.nanoTime() < end) {
      int read = stream.read(buffer);
      if (read < 0) {
        throw new IOException("the stream ended before the run did");
      }
      received.addAndGet(read);
      buffer.clear();
    }
  }

  /** The last bytes are still in socket buffers (and the proxy) when the writers close. */
  static void awaitDrained(SinkServer sink, int streams) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (sink.finishedStreams() < streams && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
