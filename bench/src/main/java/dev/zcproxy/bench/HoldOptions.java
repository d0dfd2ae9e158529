package dev.zcproxy.bench;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The command line of {@code hold-tunnels} and {@code echo-server}, the two halves of the scale
 * bench, parsed and checked.
 *
 * @param echoServer true for {@code echo-server}, false for {@code hold-tunnels}
 * @param socks the SOCKS5 proxy to go through; empty with {@code forward} or for echo-server
 * @param forward a plain TCP forwarder (HAProxy {@code mode tcp}) whose backend is the echo server
 * @param farEndPort where the echo server listens (it runs in a process of its own)
 * @param tunnels tunnels to open
 * @param window tunnels in their handshake at once, at most
 * @param payloadBytes bytes sent and echoed on each new tunnel before it is held
 * @param timeout how long one tunnel may take from connect to its echo before it counts as failed
 * @param releaseFile the run holds its tunnels until this file exists
 * @param maxSeconds the run stops by itself after this long, whatever happens
 * @param reopen after the recheck, close this many held tunnels and open this many new ones: does
 *     the proxy serve again once it has fds to spare?
 */
record HoldOptions(
    boolean echoServer,
    Optional<InetSocketAddress> socks,
    Optional<InetSocketAddress> forward,
    int farEndPort,
    int tunnels,
    int window,
    int payloadBytes,
    Duration timeout,
    Optional<Path> releaseFile,
    int maxSeconds,
    int reopen) {

  static final String USAGE =
      """
      usage: java -jar zcproxy-bench.jar hold-tunnels (--socks HOST:PORT | --forward HOST:PORT)
                 --far-end-port N [--tunnels N] [--window N] [--payload-bytes N]
                 [--timeout-seconds N] [--release-file FILE] [--max-seconds N] [--reopen N]
             java -jar zcproxy-bench.jar echo-server --far-end-port N [--max-seconds N]

        hold-tunnels opens --tunnels tunnels (at most --window in their handshake at once, all on
        one selector thread), sends --payload-bytes on each and reads them back, then prints one
        line (phase=opened) with how each tunnel ended: ok (echoed), refused (a SOCKS5 failure
        reply, or closed or timed out before any reply) or broken (a success reply, then closed,
        timed out or wrong bytes). It holds the ok ones until --release-file exists, sends 64 bytes
        on each once more (recheck), optionally closes --reopen of them and opens --reopen new ones,
        closes everything and prints a second line (phase=closed).

        echo-server echoes every byte on 127.0.0.1:--far-end-port, one selector thread for all
        connections, until killed or --max-seconds.
      """;

  static HoldOptions parse(String[] args) {
    boolean echoServer =
        switch (args.length == 0 ? "" : args[0]) {
          case "echo-server" -> true;
          case "hold-tunnels" -> false;
          default -> throw new IllegalArgumentException("not hold-tunnels or echo-server");
        };
    InetSocketAddress socks = null;
    InetSocketAddress forward = null;
    int farEndPort = 0;
    int tunnels = 1000;
    int window = 128;
    int payloadBytes = 1024;
    int timeoutSeconds = 10;
    Path releaseFile = null;
    int maxSeconds = 600;
    int reopen = 0;
    for (int i = 1; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[i + 1];
      switch (flag) {
        case "--socks" -> socks = hostAndPort(flag, value);
        case "--forward" -> forward = hostAndPort(flag, value);
        case "--far-end-port" -> farEndPort = positive(flag, value);
        case "--tunnels" -> tunnels = positive(flag, value);
        case "--window" -> window = positive(flag, value);
        case "--payload-bytes" -> payloadBytes = positive(flag, value);
        case "--timeout-seconds" -> timeoutSeconds = positive(flag, value);
        case "--release-file" -> releaseFile = Path.of(value);
        case "--max-seconds" -> maxSeconds = positive(flag, value);
        case "--reopen" -> reopen = nonNegative(flag, value);
        default -> throw new IllegalArgumentException("unknown option: " + flag);
      }
    }
    if (farEndPort == 0 || farEndPort > 65_535) {
      throw new IllegalArgumentException("--far-end-port is required (1-65535)");
    }
    if (!echoServer && (socks == null) == (forward == null)) {
      throw new IllegalArgumentException("hold-tunnels wants one of --socks and --forward");
    }
    if (reopen > tunnels) {
      throw new IllegalArgumentException("--reopen must be at most --tunnels");
    }
    return new HoldOptions(
        echoServer,
        Optional.ofNullable(socks),
        Optional.ofNullable(forward),
        farEndPort,
        tunnels,
        window,
        payloadBytes,
        Duration.ofSeconds(timeoutSeconds),
        Optional.ofNullable(releaseFile),
        maxSeconds,
        reopen);
  }

  private static InetSocketAddress hostAndPort(String flag, String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException(flag + " wants HOST:PORT, got " + value);
    }
    return new InetSocketAddress(
        value.substring(0, colon), positive(flag + " port", value.substring(colon + 1)));
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
