package dev.zcproxy.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The load generator behind the {@code bench/*-bench.sh} scripts: measures one path (direct,
 * through a SOCKS5 proxy, through an HTTP/1.1, HTTP/2 or HTTP/3 proxy's CONNECT, or through a plain
 * TCP forwarder; for UDP, direct, through SOCKS5 UDP ASSOCIATE or through CONNECT-UDP) on loopback,
 * and prints one line of {@code key=value} pairs for the script to read. It starts its own far end
 * (a sink, a source, an echo or a request/response server, TCP or UDP) in the same JVM, so a run
 * needs nothing but the proxy under test.
 *
 * <p>Exit status: 0 measured, 1 the run failed (the proxy refused, stalled or dropped connections),
 * 2 bad command line.
 */
public final class LoadGenerator {

  /** Beyond the planned duration, how long a stalled run may hang before it is killed. */
  private static final Duration WATCHDOG_GRACE = Duration.ofSeconds(60);

  private LoadGenerator() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("policy-latency")) {
      policyLatency(args);
      return;
    }
    if (args.length > 0 && (args[0].equals("hold-tunnels") || args[0].equals("echo-server"))) {
      heldTunnels(args);
      return;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    startWatchdog(options.warmup().plus(options.duration()).plus(WATCHDOG_GRACE));
    try {
      String report = run(options);
      System.out.println(
          options.mode() == BenchOptions.Mode.FREE_PORTS ? report : report + clientCpu());
      System.exit(0);
    } catch (IOException e) {
      System.err.println(
          "run failed: " + e + (e.getCause() == null ? "" : ", cause: " + e.getCause()));
      System.exit(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.exit(1);
    }
  }

  /**
   * {@code policy-latency} talks HTTP to a state service and a proxy instead of relaying bytes, so
   * it has its own options; its watchdog allows every change its timeout.
   */
  private static void policyLatency(String[] args) {
    PolicyLatencyOptions options;
    try {
      options = PolicyLatencyOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(PolicyLatencyOptions.USAGE);
      System.exit(2);
      return;
    }
    startWatchdog(
        options
            .timeout()
            .plus(options.maxPause())
            .multipliedBy(options.changes() + options.warmupChanges() + 1L)
            .plus(WATCHDOG_GRACE));
    try {
      System.out.println(PolicyLatencyRun.run(options).report());
      System.exit(0);
    } catch (IOException e) {
      System.err.println("run failed: " + e);
      System.exit(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.exit(1);
    }
  }

  /**
   * The two halves of the scale bench, each in processes of its own: {@code echo-server} (the far
   * end of thousands of idle tunnels) and {@code hold-tunnels} (opens and holds them). Both stop by
   * themselves after {@code --max-seconds}.
   */
  private static void heldTunnels(String[] args) {
    HoldOptions options;
    try {
      options = HoldOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(HoldOptions.USAGE);
      System.exit(2);
      return;
    }
    startWatchdog(Duration.ofSeconds(options.maxSeconds()).plus(WATCHDOG_GRACE));
    try {
      if (options.echoServer()) {
        SelectorEchoServer.serve(options.farEndPort(), Duration.ofSeconds(options.maxSeconds()));
      } else {
        HeldTunnelsRun.run(options);
      }
      System.exit(0);
    } catch (IOException e) {
      System.err.println("run failed: " + e);
      System.exit(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.exit(1);
    }
  }

  private static String run(BenchOptions options) throws IOException, InterruptedException {
    Connector connector =
        new Connector(
            options.socks(), options.credentials(), options.forward(), options.httpConnect());
    return switch (options.mode()) {
      case THROUGHPUT -> throughput(options, connector);
      case LATENCY ->
          LatencyRun.run(
                  connector,
                  options.messageBytes(),
                  options.warmup(),
                  options.duration(),
                  options.farEndPort())
              .report();
      case CPS ->
          ConnectionRateRun.run(
                  connector,
                  options.threads(),
                  options.warmup(),
                  options.duration(),
                  options.farEndPort())
              .report();
      case UDP_RATE ->
          UdpRateRun.run(
                  udpPath(options, connector),
                  options.payloadBytes(),
                  options.window(),
                  options.warmup(),
                  options.duration(),
                  options.farEndPort())
              .report();
      case FREE_PORTS -> freePorts(options.count());
    };
  }

  /** Over TCP ({@link Connector}'s paths), or as streams of an HTTP/2 or HTTP/3 connection. */
  private static String throughput(BenchOptions options, Connector connector)
      throws IOException, InterruptedException {
    StreamTunnelThroughputRun.Client multiplexed = null;
    if (options.h2Connect().isPresent()) {
      InetSocketAddress proxy = options.h2Connect().get();
      multiplexed = group -> Http2Client.connect(group, proxy);
    } else if (options.h3Connect().isPresent()) {
      InetSocketAddress proxy = options.h3Connect().get();
      multiplexed = group -> Http3Client.connect(group, proxy);
    }
    if (multiplexed != null) {
      return StreamTunnelThroughputRun.run(
              multiplexed,
              options.direction(),
              options.streams(),
              options.warmup(),
              options.duration(),
              options.farEndPort())
          .report();
    }
    return ThroughputRun.run(
            connector,
            options.direction(),
            options.streams(),
            options.warmup(),
            options.duration(),
            options.farEndPort())
        .report();
  }

  private static UdpRateRun.Path udpPath(BenchOptions options, Connector connector) {
    if (options.connectUdp().isPresent()) {
      InetSocketAddress proxy = options.connectUdp().get();
      return (group, echo, payloadBytes, receiver) ->
          new DatagramFlow.ConnectUdp(group, proxy, echo, payloadBytes, receiver);
    }
    if (options.socks().isPresent()) {
      return (group, echo, payloadBytes, receiver) ->
          new DatagramFlow.Socks5(group, connector, echo, payloadBytes, receiver);
    }
    return DatagramFlow.Direct::new;
  }

  /**
   * The load generator's own CPU time so far (JIT and GC included), as a report field: on a shared
   * machine, it tells how much of the cores the client took from the proxy.
   */
  private static String clientCpu() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return " client_cpu_seconds=%.2f".formatted(os.getProcessCpuTime() / 1e9);
    }
    return "";
  }

  /** All held open at once, so the ports are distinct; closed before they are printed. */
  private static String freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<String> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports.add(Integer.toString(socket.getLocalPort()));
      }
      return String.join(" ", ports);
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static void startWatchdog(Duration limit) {
    Thread.ofPlatform()
        .daemon()
        .name("watchdog")
        .start(
            () -> {
              try {
                Thread.sleep(limit);
                System.err.println("run failed: still running after " + limit);
                Runtime.getRuntime().halt(1);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }
}
