package dev.zcproxy.bench;

import dev.zcproxy.bench.ThroughputRun.Direction;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The command line, parsed and checked.
 *
 * @param mode what to measure
 * @param socks the SOCKS5 proxy to go through; empty means no SOCKS
 * @param credentials RFC 1929 username and password for the proxy, if it wants them
 * @param forward a plain TCP forwarder to connect to instead of the far end (HAProxy {@code mode
 *     tcp}); its backend must be 127.0.0.1:{@code farEndPort}
 * @param httpConnect an HTTP/1.1 proxy to go through with {@code CONNECT}; empty means none
 * @param h2Connect an HTTP/2 proxy (cleartext, prior knowledge) to go through with {@code CONNECT},
 *     one stream per tunnel on one connection; {@code throughput} only
 * @param h3Connect an HTTP/3 proxy (QUIC on this UDP port) to go through with {@code CONNECT}, one
 *     stream per tunnel on one connection; {@code throughput} only
 * @param connectUdp an HTTP/3 proxy to go through with CONNECT-UDP (RFC 9298), its HTTP Datagrams
 *     in QUIC DATAGRAM frames; {@code udp-rate} only. In {@code udp-rate}, {@code socks} means
 *     SOCKS5 UDP ASSOCIATE
 * @param farEndPort where the far end (sink, source, echo or responder) listens; 0 for any free
 *     port
 * @param direction which way the bytes go in {@code throughput} mode
 * @param streams parallel streams in {@code throughput} mode
 * @param messageBytes request and response size in {@code latency} mode
 * @param duration how long the measured part of a run lasts
 * @param warmup how long the run goes before measuring starts (JIT, connection pools, caches)
 * @param threads concurrent clients in {@code cps} mode
 * @param count how many ports {@code free-ports} prints
 * @param payloadBytes UDP payload of each datagram in {@code udp-rate} mode
 * @param window datagrams sent and not yet echoed, at most, in {@code udp-rate} mode
 */
record BenchOptions(
    Mode mode,
    Optional<InetSocketAddress> socks,
    Optional<Credentials> credentials,
    Optional<InetSocketAddress> forward,
    Optional<InetSocketAddress> httpConnect,
    Optional<InetSocketAddress> h2Connect,
    Optional<InetSocketAddress> h3Connect,
    Optional<InetSocketAddress> connectUdp,
    int farEndPort,
    Direction direction,
    int streams,
    int messageBytes,
    Duration duration,
    Duration warmup,
    int threads,
    int count,
    int payloadBytes,
    int window) {

  enum Mode {
    THROUGHPUT,
    CPS,
    LATENCY,
    UDP_RATE,
    FREE_PORTS
  }

  /** The largest UDP payload over IPv4: 65,535 less the IP and UDP headers. */
  static final int MAX_UDP_PAYLOAD_BYTES = 65_507;

  record Credentials(String user, String password) {}

  static final String USAGE =
      """
      usage: java -jar zcproxy-bench.jar MODE [options]

      modes:
        throughput   --streams TCP streams between the client and a local sink (upload) or source
                     (download) for --seconds; prints bytes per second over all streams
        latency      one long-lived connection; the client sends --message-bytes, waits for the
                     echo, and repeats for --seconds; prints round trips per second and p50/p99
        cps          --threads clients, each looping connect / 64-byte request / 64-byte response /
                     close for --seconds; prints connections per second and p50/p99 latency
        udp-rate     one UDP flow to a local echo server: keeps --window datagrams of
                     --payload-bytes in flight for --seconds (a new one for each echo); prints
                     echoes per second, goodput and the datagrams lost each way
        free-ports   prints --count TCP ports on 127.0.0.1 that are free right now
        policy-latency
                     time from a REST policy change to the proxy reporting it; its own
                     options: run `policy-latency` alone to see them
        hold-tunnels, echo-server
                     the scale bench's idle tunnels and their far end; their own options:
                     run either alone to see them

      the path (default: connect straight to the far end):
        --socks HOST:PORT     go through this SOCKS5 proxy
        --user NAME           RFC 1929 username for the proxy (with --pass)
        --pass PASSWORD       RFC 1929 password for the proxy
        --forward HOST:PORT   connect to this plain TCP forwarder (HAProxy mode tcp) instead; its
                              backend must be 127.0.0.1:--far-end-port
        --http-connect HOST:PORT
                              go through this HTTP/1.1 proxy: CONNECT 127.0.0.1:PORT, then stream
        --h2-connect HOST:PORT
                              throughput only: go through this HTTP/2 proxy (cleartext, prior
                              knowledge), one CONNECT stream per --streams on one connection
        --h3-connect HOST:PORT
                              throughput only: go through this HTTP/3 proxy (QUIC on UDP PORT),
                              one CONNECT stream per --streams on one connection
        --connect-udp HOST:PORT
                              udp-rate only: go through this HTTP/3 proxy with CONNECT-UDP
                              (RFC 9298), the datagrams in QUIC DATAGRAM frames
                              (in udp-rate, --socks is SOCKS5 UDP ASSOCIATE)
        --far-end-port N      the far end listens on this port of 127.0.0.1 (default: any free one)

      options:
        --direction D         upload or download, in throughput mode (default upload)
        --streams N           parallel streams in throughput mode (default 1)
        --message-bytes N     request and response size in latency mode (default 1024)
        --seconds N           measured duration (default 8)
        --warmup N            unmeasured lead-in, in seconds (default 1)
        --threads N           concurrent clients in cps mode (default 32)
        --count N             ports to print in free-ports mode (default 1)
        --payload-bytes N     UDP payload per datagram in udp-rate mode (default 1200)
        --window N            datagrams in flight in udp-rate mode (default 64)
      """;

  static BenchOptions parse(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("no mode given");
    }
    Mode mode =
        switch (args[0]) {
          case "throughput" -> Mode.THROUGHPUT;
          case "cps" -> Mode.CPS;
          case "latency" -> Mode.LATENCY;
          case "udp-rate" -> Mode.UDP_RATE;
          case "free-ports" -> Mode.FREE_PORTS;
          default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
        };
    InetSocketAddress socks = null;
    String user = null;
    String password = null;
    InetSocketAddress forward = null;
    InetSocketAddress httpConnect = null;
    InetSocketAddress h2Connect = null;
    InetSocketAddress h3Connect = null;
    InetSocketAddress connectUdp = null;
    int farEndPort = 0;
    Direction direction = Direction.UPLOAD;
    int streams = 1;
    int messageBytes = 1024;
    int seconds = 8;
    int warmupSeconds = 1;
    int threads = 32;
    int count = 1;
    int payloadBytes = 1200;
    int window = 64;
    for (int i = 1; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[i + 1];
      switch (flag) {
        case "--socks" -> socks = hostAndPort(flag, value);
        case "--user" -> user = value;
        case "--pass" -> password = value;
        case "--forward" -> forward = hostAndPort(flag, value);
        case "--http-connect" -> httpConnect = hostAndPort(flag, value);
        case "--h2-connect" -> h2Connect = hostAndPort(flag, value);
        case "--h3-connect" -> h3Connect = hostAndPort(flag, value);
        case "--connect-udp" -> connectUdp = hostAndPort(flag, value);
        case "--far-end-port" -> farEndPort = port(flag, value);
        case "--direction" -> direction = direction(value);
        case "--streams" -> streams = positive(flag, value);
        case "--message-bytes" -> messageBytes = positive(flag, value);
        case "--seconds" -> seconds = positive(flag, value);
        case "--warmup" -> warmupSeconds = nonNegative(flag, value);
        case "--threads" -> threads = positive(flag, value);
        case "--count" -> count = positive(flag, value);
        case "--payload-bytes" -> payloadBytes = positive(flag, value);
        case "--window" -> window = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown option: " + flag);
      }
    }
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException("--user and --pass go together");
    }
    if (user != null && socks == null) {
      throw new IllegalArgumentException("--user and --pass need --socks");
    }
    if (Stream.of(socks, forward, httpConnect, h2Connect, h3Connect, connectUdp)
            .filter(Objects::nonNull)
            .count()
        > 1) {
      throw new IllegalArgumentException(
          "--socks, --forward, --http-connect, --h2-connect, --h3-connect and --connect-udp"
              + " exclude each other");
    }
    if ((h2Connect != null || h3Connect != null) && mode != Mode.THROUGHPUT) {
      throw new IllegalArgumentException("--h2-connect and --h3-connect are for throughput runs");
    }
    if (connectUdp != null && mode != Mode.UDP_RATE) {
      throw new IllegalArgumentException("--connect-udp is for udp-rate runs");
    }
    if (mode == Mode.UDP_RATE && (forward != null || httpConnect != null)) {
      throw new IllegalArgumentException(
          "udp-rate goes direct, through --socks (UDP ASSOCIATE) or through --connect-udp");
    }
    if (payloadBytes > MAX_UDP_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "--payload-bytes must be at most " + MAX_UDP_PAYLOAD_BYTES + " (UDP over IPv4)");
    }
    if (forward != null && farEndPort == 0) {
      // The forwarder's backend is fixed, so the far end must listen where it points.
      throw new IllegalArgumentException("--forward needs --far-end-port");
    }
    return new BenchOptions(
        mode,
        Optional.ofNullable(socks),
        user == null ? Optional.empty() : Optional.of(new Credentials(user, password)),
        Optional.ofNullable(forward),
        Optional.ofNullable(httpConnect),
        Optional.ofNullable(h2Connect),
        Optional.ofNullable(h3Connect),
        Optional.ofNullable(connectUdp),
        farEndPort,
        direction,
        streams,
        messageBytes,
        Duration.ofSeconds(seconds),
        Duration.ofSeconds(warmupSeconds),
        threads,
        count,
        payloadBytes,
        window);
  }

  private static InetSocketAddress hostAndPort(String flag, String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException(flag + " wants HOST:PORT, got " + value);
    }
    return new InetSocketAddress(
        value.substring(0, colon), port(flag + " port", value.substring(colon + 1)));
  }

  private static Direction direction(String value) {
    return switch (value) {
      case "upload" -> Direction.UPLOAD;
      case "download" -> Direction.DOWNLOAD;
      default ->
          throw new IllegalArgumentException("--direction wants upload or download, got " + value);
    };
  }

  private static int port(String flag, String value) {
    int number = positive(flag, value);
    if (number > 65_535) {
      throw new IllegalArgumentException(flag + " must be at most 65535");
    }
    return number;
  }

  private static int positive(String flag, String value) {
    int number = nonNegative(flag, value);
    if (number == 0) {
      throw new IllegalArgumentException(flag + " must be positive");
    }
    return number;
  }

  private static int nonNegative(String flag, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number < 0) {
        throw new IllegalArgumentException(flag + " must not be negative");
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " wants a number, got " + value, e);
    }
  }
}
