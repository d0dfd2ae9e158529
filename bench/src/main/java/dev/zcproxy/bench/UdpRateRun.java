package dev.zcproxy.bench;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One UDP flow to a local echo server, kept at {@code window} datagrams in flight: a new datagram
 * goes out for each one that comes back ({@link EchoWindow}), so the rate is what the path sustains
 * rather than what the sender can push, and nothing on the path queues without bound. Echoes are
 * counted where they come back and arrivals at the echo server, both between the end of the warm-up
 * and the end of the run. After the run, {@value #DRAIN_MILLIS} ms for the last echoes, then the
 * datagrams lost on the way out (sent, never arrived) and on the way back (arrived, never came
 * back) are counted over the whole run.
 */
final class UdpRateRun {

  /**
   * Nothing back for this long: every datagram in flight is written off as lost. Long enough that a
   * proxy the scheduler leaves off a busy 2-core machine for a few tens of milliseconds is not
   * taken for a loss: each write-off puts a second window on the path, which overflows small socket
   * buffers and causes the losses it assumed.
   */
  static final Duration STALL = Duration.ofMillis(100);

  static final long DRAIN_MILLIS = 500;

  /** Opens the flow for a run. */
  @FunctionalInterface
  interface Path {
    DatagramFlow open(
        EventLoopGroup group,
        InetSocketAddress echo,
        int payloadBytes,
        DatagramFlow.Receiver receiver)
        throws IOException;
  }

  /**
   * @param echoedInWindow datagrams that came back in the measured window
   * @param arrivedInWindow datagrams that reached the echo server in the measured window
   * @param sent datagrams sent in the whole run (warm-up included)
   * @param arrived of those, how many reached the echo server
   * @param returned of those, how many came back whole
   * @param stalls how often nothing came back for {@link #STALL} and the window was reopened
   * @param sendFailures writes the client's stack refused (for QUIC: a datagram too large for the
   *     connection's DATAGRAM frames)
   * @param malformed datagrams back that were not the payload sent, or framed wrongly
   * @param capsuleEchoes of those returned, how many came in capsules (CONNECT-UDP)
   */
  record Result(
      String path,
      int payloadBytes,
      int window,
      long echoedInWindow,
      long arrivedInWindow,
      long measuredNanos,
      long sent,
      long arrived,
      long returned,
      long stalls,
      long sendFailures,
      long malformed,
      long capsuleEchoes) {

    double echoesPerSecond() {
      return echoedInWindow * 1e9 / measuredNanos;
    }

    /** Payload bits per second that made the round trip, one way (the same came back). */
    double goodputMbitPerSecond() {
      return echoesPerSecond() * payloadBytes * 8 / 1e6;
    }

    double lossPercent() {
      return sent == 0 ? 0 : (sent - returned) * 100.0 / sent;
    }

    /** Datagrams the proxy relayed, counting each way where it arrived. */
    long relayedDatagrams() {
      return arrived + returned;
    }

    String report() {
      return ("mode=udp-rate path=%s payload_bytes=%d window=%d seconds=%.3f"
              + " echoes_per_second=%.0f goodput_mbit_per_second=%.1f arrivals_per_second=%.0f"
              + " sent=%d arrived=%d returned=%d lost_out=%d lost_back=%d loss_percent=%.3f"
              + " stalls=%d send_failures=%d malformed=%d capsule_echoes=%d"
              + " relayed_datagrams=%d relayed_bytes=%d")
          .formatted(
              path,
              payloadBytes,
              window,
              measuredNanos / 1e9,
              echoesPerSecond(),
              goodputMbitPerSecond(),
              arrivedInWindow * 1e9 / measuredNanos,
              sent,
              arrived,
              returned,
              sent - arrived,
              arrived - returned,
              lossPercent(),
              stalls,
              sendFailures,
              malformed,
              capsuleEchoes,
              relayedDatagrams(),
              relayedDatagrams() * payloadBytes);
    }
  }

  private UdpRateRun() {}

  static Result run(
      Path path, int payloadBytes, int window, Duration warmup, Duration duration, int farEndPort)
      throws IOException, InterruptedException {
    EventLoopGroup group = ClientTransport.newGroup();
    try (UdpEchoServer echo = UdpEchoServer.start(farEndPort)) {
      Pacer pacer = new Pacer(payloadBytes, window);
      try (DatagramFlow flow = path.open(group, echo.address(), payloadBytes, pacer)) {
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        EventLoop loop = flow.eventLoop();
        loop.execute(() -> pacer.start(flow));
        ThroughputRun.sleepUntil(measureFrom);
        long startNanos = System.nanoTime();
        long startEchoed = pacer.echoed.get();
        long startArrived = echo.arrived();
        ThroughputRun.sleepUntil(end);
        long endNanos = System.nanoTime();
        long echoed = pacer.echoed.get() - startEchoed;
        long arrived = echo.arrived() - startArrived;
        loop.submit(pacer::stop).syncUninterruptibly();
        Thread.sleep(DRAIN_MILLIS);
        Result[] result = new Result[1];
        loop.submit(
                () ->
                    result[0] =
                        new Result(
                            flow.label(),
                            payloadBytes,
                            window,
                            echoed,
                            arrived,
                            endNanos - startNanos,
                            pacer.window.sent(),
                            echo.arrived(),
                            pacer.window.returned() - pacer.malformed,
                            pacer.window.stalls(),
                            pacer.sendFailures,
                            pacer.malformed,
                            flow.capsuleEchoes()))
            .get(10, TimeUnit.SECONDS);
        return result[0];
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IOException("the flow's event loop did not answer", e);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Sends while the window lets it; on the flow's event loop. */
  private static final class Pacer implements DatagramFlow.Receiver {
    final EchoWindow window;
    final AtomicLong echoed = new AtomicLong();
    private final int payloadBytes;
    long sendFailures;
    long malformed;
    private final ChannelFutureListener countFailure =
        future -> {
          if (!future.isSuccess()) {
            sendFailures++;
          }
        };
    private DatagramFlow flow;
    private boolean sending;

    Pacer(int payloadBytes, int window) {
      this.payloadBytes = payloadBytes;
      this.window = new EchoWindow(window);
    }

    void start(DatagramFlow flow) {
      this.flow = flow;
      sending = true;
      fill();
      watchForStalls();
    }

    void stop() {
      sending = false;
    }

    private void fill() {
      int credit = window.credit();
      if (!sending || credit <= 0) {
        return;
      }
      for (int i = 0; i < credit; i++) {
        flow.send().addListener(countFailure);
      }
      window.sent(credit, System.nanoTime());
      flow.flush();
    }

    private void watchForStalls() {
      if (!sending) {
        return;
      }
      if (window.writeOffIfStalled(System.nanoTime(), STALL.toNanos())) {
        fill();
      }
      flow.eventLoop().schedule(this::watchForStalls, STALL.toMillis() / 4, TimeUnit.MILLISECONDS);
    }

    @Override
    public void echo(int payloadLength) {
      window.returned(System.nanoTime());
      if (payloadLength == payloadBytes) {
        echoed.incrementAndGet();
      } else {
        malformed++;
      }
    }

    @Override
    public void readComplete() {
      fill();
    }
  }
}
