package dev.zcproxy.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many short connections in parallel: each client thread loops connect (and SOCKS5 handshake), send
 * a request, read the response, close. The latency of one connection spans all of that. Connections
 * started in the measured window count; the warm-up's do not.
 */
final class ConnectionRateRun {

  /** A client that fails this many times in a row stops: the target is down, not slow. */
  private static final int MAX_CONSECUTIVE_ERRORS = 100;

  /**
   * @param connections completed in the measured window
   * @param totalConnections completed in the whole run, warm-up included: what the proxy served
   */
  record Result(
      long connections,
      long totalConnections,
      long errors,
      long measuredNanos,
      long[] sortedLatencyNanos) {
    double connectionsPerSecond() {
      return connections * 1e9 / measuredNanos;
    }

    long percentileMicros(double percentile) {
      if (sortedLatencyNanos.length == 0) {
        return 0;
      }
      int rank = (int) Math.ceil(percentile / 100 * sortedLatencyNanos.length);
      return sortedLatencyNanos[Math.max(0, rank - 1)] / 1_000;
    }

    String report() {
      return ("mode=cps connections=%d errors=%d seconds=%.3f cps=%.0f p50_us=%d p99_us=%d"
              + " total_connections=%d")
          .formatted(
              connections,
              errors,
              measuredNanos / 1e9,
              connectionsPerSecond(),
              percentileMicros(50),
              percentileMicros(99),
              totalConnections);
    }
  }

  private ConnectionRateRun() {}

  static Result run(
      Connector connector, int threads, Duration warmup, Duration duration, int farEndPort)
      throws IOException, InterruptedException {
    try (ResponderServer responder = ResponderServer.start(farEndPort)) {
      InetSocketAddress target = responder.address();
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      AtomicReference<IOException> firstError = new AtomicReference<>();
      List<Client> clients = new ArrayList<>();
      List<Thread> running = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Client client = new Client(connector, target, measureFrom, end, firstError);
        clients.add(client);
        running.add(Thread.ofPlatform().name("cps-client-" + i).start(client));
      }
      for (Thread thread : running) {
        thread.join();
      }
      long connections = clients.stream().mapToLong(client -> client.completed).sum();
      long total =
          clients.stream().mapToLong(client -> client.completedInWarmup).sum() + connections;
      long errors = clients.stream().mapToLong(client -> client.errors).sum();
      if (connections == 0) {
        IOException cause = firstError.get();
        throw new IOException("no connection succeeded", cause);
      }
      if (firstError.get() != null) {
        System.err.println("first error: " + firstError.get());
      }
      long[] latencies =
          clients.stream()
              .flatMapToLong(client -> Arrays.stream(client.latencies, 0, client.completed))
              .sorted()
              .toArray();
      return new Result(connections, total, errors, end - measureFrom, latencies);
    }
  }

  private static final class Client implements Runnable {
    private final Connector connector;
    private final InetSocketAddress target;
    private final long measureFrom;
    private final long end;
    private final AtomicReference<IOException> firstError;
    private final byte[] request = new byte[ResponderServer.MESSAGE_BYTES];
    private long[] latencies = new long[4096];
    private int completed;
    private long completedInWarmup;
    private long errors;

    Client(
        Connector connector,
        InetSocketAddress target,
        long measureFrom,
        long end,
        AtomicReference<IOException> firstError) {
      this.connector = connector;
      this.target = target;
      this.measureFrom = measureFrom;
      this.end = end;
      this.firstError = firstError;
    }

    @Override
    public void run() {
      int consecutiveErrors = 0;
      long started;
      while ((started = System.nanoTime()) < end && consecutiveErrors < MAX_CONSECUTIVE_ERRORS) {
        boolean measured = started >= measureFrom;
        try {
          exchange();
          consecutiveErrors = 0;
          if (measured) {
            record(System.nanoTime() - started);
          } else {
            completedInWarmup++;
          }
        } catch (IOException e) {
          consecutiveErrors++;
          firstError.compareAndSet(null, e);
          if (measured) {
            errors++;
          }
        }
      }
    }

    private void exchange() throws IOException {
      try (SocketChannel connection = connector.open(target)) {
        OutputStream out = connection.socket().getOutputStream();
        InputStream in = connection.socket().getInputStream();
        out.write(request);
        if (in.readNBytes(ResponderServer.MESSAGE_BYTES).length != ResponderServer.MESSAGE_BYTES) {
          throw new IOException("short response");
        }
      }
    }

    private void record(long nanos) {
      if (completed == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
      }
      latencies[completed++] = nanos;
    }
  }
}
