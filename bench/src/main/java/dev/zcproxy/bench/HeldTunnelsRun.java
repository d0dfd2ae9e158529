package dev.zcproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Thousands of SOCKS5 tunnels (or plain connections through a TCP forwarder) from one process, all
 * non-blocking on one selector: opened, each checked by an echo, then held idle. The scale bench
 * measures the proxy while they are held; this class tells how each tunnel fared.
 *
 * <p>Every tunnel ends its opening in one of three ways. <b>ok</b>: the payload came back. <b>
 * refused</b>: the proxy said no before it said yes (a SOCKS5 failure reply, a close or reset
 * before any reply, no reply in time, or the TCP connect itself failed): a client sees an error it
 * can act on. <b>broken</b>: the proxy sent its success reply and then closed, stalled or garbled
 * the tunnel: the client was told "connected" and lost the connection. Through a forwarder there is
 * no reply, so every failure after the TCP connect counts as broken.
 */
final class HeldTunnelsRun {

  private static final int RECHECK_BYTES = 64;
  private static final byte[] SOCKS5_NO_AUTH = {0x05, 0x01, 0x00};

  private enum Stage {
    CONNECTING,
    METHOD_REPLY,
    CONNECT_REPLY,
    ECHO,
    HELD,
    RECHECK,
    CLOSED
  }

  private enum Outcome {
    PENDING,
    OK,
    REFUSED,
    BROKEN
  }

  private static final class Tunnel {
    SocketChannel channel;
    SelectionKey key;
    Stage stage = Stage.CONNECTING;
    Outcome outcome = Outcome.PENDING;
    boolean succeeded;
    long deadline;
    ByteBuffer out;
    ByteBuffer in;
    byte[] expected;
  }

  /** Counts of one batch (the opening, the recheck, the reopening) and why tunnels failed. */
  private static final class Tally {
    int ok;
    int refused;
    int broken;
    final Map<String, Integer> reasons = new TreeMap<>();

    void failed(Outcome outcome, String reason) {
      if (outcome == Outcome.REFUSED) {
        refused++;
      } else {
        broken++;
      }
      reasons.merge(outcome.name().toLowerCase() + ":" + reason, 1, Integer::sum);
    }

    String reasonList() {
      return reasons.isEmpty()
          ? "none"
          : reasons.entrySet().stream()
              .map(entry -> entry.getKey() + ":" + entry.getValue())
              .collect(Collectors.joining(","));
    }
  }

  private final HoldOptions options;
  private final InetSocketAddress target;
  private final InetSocketAddress connectTo;
  private final byte[] payload;
  private final byte[] recheck;
  private final Selector selector;
  private final List<Tunnel> held = new ArrayList<>();
  private final Set<Tunnel> active = new LinkedHashSet<>();
  private Tally tally;
  private int dropped;

  private HeldTunnelsRun(HoldOptions options, Selector selector) {
    this.options = options;
    this.selector = selector;
    this.target = new InetSocketAddress("127.0.0.1", options.farEndPort());
    this.connectTo = options.socks().or(options::forward).orElseThrow();
    this.payload = Payload.pattern(options.payloadBytes());
    this.recheck = Payload.pattern(RECHECK_BYTES);
  }

  /** Runs every phase and prints one line after the opening and one at the end. */
  static void run(HoldOptions options) throws IOException, InterruptedException {
    try (Selector selector = Selector.open()) {
      new HeldTunnelsRun(options, selector).phases();
    }
  }

  private void phases() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + options.maxSeconds() * 1_000_000_000L;
    long started = System.nanoTime();
    Tally opening = open(options.tunnels());
    double openSeconds = (System.nanoTime() - started) / 1e9;
    printLine(
        "phase=opened tunnels=%d ok=%d refused=%d broken=%d open_seconds=%.3f open_rate=%.0f"
            + " reasons=%s%n",
        options.tunnels(),
        opening.ok,
        opening.refused,
        opening.broken,
        openSeconds,
        opening.ok / openSeconds,
        opening.reasonList());
    System.out.flush();

    while (System.nanoTime() < deadline
        && options.releaseFile().map(file -> !Files.exists(file)).orElse(false)) {
      step(100);
    }

    Tally rechecked = recheck();
    Tally reopened = new Tally();
    if (options.reopen() > 0) {
      for (Tunnel tunnel :
          new ArrayList<>(held.subList(0, Math.min(options.reopen(), held.size())))) {
        close(tunnel);
        held.remove(tunnel);
      }
      Thread.sleep(1_000); // the proxy notices the closes and frees their fds
      reopened = open(options.reopen());
    }
    for (Tunnel tunnel : held) {
      close(tunnel);
    }
    printLine(
        "phase=closed dropped_while_held=%d recheck_ok=%d recheck_failed=%d reopen_ok=%d"
            + " reopen_refused=%d reopen_broken=%d recheck_reasons=%s reopen_reasons=%s%n",
        dropped,
        rechecked.ok,
        rechecked.refused + rechecked.broken,
        reopened.ok,
        reopened.refused,
        reopened.broken,
        rechecked.reasonList(),
        reopened.reasonList());
  }

  /** Opens {@code count} tunnels, at most a window of them at once, and waits for every outcome. */
  private Tally open(int count) throws IOException {
    tally = new Tally();
    int started = 0;
    while (started < count || !active.isEmpty()) {
      while (started < count && active.size() < options.window()) {
        start();
        started++;
      }
      step(20);
    }
    return tally;
  }

  /** Sends a few bytes once more on every held tunnel: does the proxy still relay them? */
  private Tally recheck() throws IOException {
    tally = new Tally();
    for (Tunnel tunnel : held) {
      if (tunnel.stage == Stage.HELD) {
        tunnel.stage = Stage.RECHECK;
        tunnel.deadline = System.nanoTime() + options.timeout().toNanos();
        active.add(tunnel);
        send(tunnel, recheck);
      }
    }
    while (!active.isEmpty()) {
      step(20);
    }
    held.removeIf(tunnel -> tunnel.stage != Stage.HELD);
    return tally;
  }

  private void start() {
    Tunnel tunnel = new Tunnel();
    tunnel.deadline = System.nanoTime() + options.timeout().toNanos();
    active.add(tunnel);
    try {
      tunnel.channel = SocketChannel.open();
      tunnel.channel.configureBlocking(false);
      tunnel.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      tunnel.key = tunnel.channel.register(selector, SelectionKey.OP_CONNECT, tunnel);
      if (tunnel.channel.connect(connectTo)) {
        connected(tunnel);
      }
    } catch (IOException e) {
      fail(tunnel, "connect_" + reason(e));
    }
  }

  private void step(long timeoutMillis) throws IOException {
    selector.select(timeoutMillis);
    for (SelectionKey key : selector.selectedKeys()) {
      Tunnel tunnel = (Tunnel) key.attachment();
      if (!key.isValid() || tunnel.stage == Stage.CLOSED) {
        continue;
      }
      try {
        if (key.isConnectable()) {
          if (tunnel.channel.finishConnect()) {
            connected(tunnel);
          }
        } else if (key.isWritable()) {
          flush(tunnel);
        } else if (key.isReadable()) {
          receive(tunnel);
        }
      } catch (IOException e) {
        fail(tunnel, (tunnel.stage == Stage.CONNECTING ? "connect_" : "") + reason(e));
      }
    }
    selector.selectedKeys().clear();
    long now = System.nanoTime();
    for (Tunnel tunnel : new ArrayList<>(active)) {
      if (now - tunnel.deadline > 0) {
        fail(tunnel, "timeout_in_" + tunnel.stage.name().toLowerCase());
      }
    }
  }

  private void connected(Tunnel tunnel) throws IOException {
    if (options.socks().isPresent()) {
      tunnel.stage = Stage.METHOD_REPLY;
      send(tunnel, SOCKS5_NO_AUTH);
    } else {
      tunnel.succeeded = true; // a forwarder has no reply: from here on, a failure is broken
      tunnel.stage = Stage.ECHO;
      send(tunnel, payload);
    }
  }

  /** Writes {@code bytes} and then expects as many back (or the SOCKS5 reply of the stage). */
  private void send(Tunnel tunnel, byte[] bytes) throws IOException {
    tunnel.out = ByteBuffer.wrap(bytes);
    tunnel.expected = bytes;
    int expectedBytes =
        switch (tunnel.stage) {
          case METHOD_REPLY -> 2;
          case CONNECT_REPLY -> 10;
          default -> bytes.length;
        };
    tunnel.in = ByteBuffer.allocate(expectedBytes);
    flush(tunnel);
  }

  private void flush(Tunnel tunnel) throws IOException {
    tunnel.channel.write(tunnel.out);
    tunnel.key.interestOps(
        tunnel.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  private void receive(Tunnel tunnel) throws IOException {
    if (tunnel.stage == Stage.HELD) {
      // An idle tunnel has nothing to say: a read event is the proxy closing it.
      dropped++;
      held.remove(tunnel);
      close(tunnel);
      return;
    }
    int read = tunnel.channel.read(tunnel.in);
    if (read < 0) {
      fail(tunnel, "closed_in_" + tunnel.stage.name().toLowerCase());
      return;
    }
    if (tunnel.stage == Stage.CONNECT_REPLY && tunnel.in.position() >= 2) {
      tunnel.succeeded = tunnel.in.get(1) == 0;
      if (!tunnel.succeeded) {
        fail(tunnel, "socks_reply_" + tunnel.in.get(1));
        return;
      }
    }
    if (tunnel.in.hasRemaining()) {
      return;
    }
    byte[] got = tunnel.in.array();
    switch (tunnel.stage) {
      case METHOD_REPLY -> {
        if (got[0] != 0x05 || got[1] != 0x00) {
          fail(tunnel, "method_" + got[1]);
          return;
        }
        tunnel.stage = Stage.CONNECT_REPLY;
        send(tunnel, connectRequest());
      }
      case CONNECT_REPLY -> {
        if (got[3] != 0x01) {
          fail(tunnel, "reply_address_type_" + got[3]);
          return;
        }
        tunnel.stage = Stage.ECHO;
        send(tunnel, payload);
      }
      case ECHO, RECHECK -> {
        if (!Arrays.equals(got, tunnel.expected)) {
          fail(tunnel, "wrong_bytes");
          return;
        }
        if (tunnel.stage == Stage.ECHO) {
          held.add(tunnel);
        }
        tunnel.stage = Stage.HELD;
        tunnel.in = null;
        tunnel.out = null;
        tunnel.expected = null;
        active.remove(tunnel);
        tally.ok++;
      }
      default -> throw new IllegalStateException("read in stage " + tunnel.stage);
    }
  }

  private byte[] connectRequest() {
    byte[] address = target.getAddress().getAddress();
    int port = target.getPort();
    return new byte[] {
      0x05,
      0x01,
      0x00,
      0x01,
      address[0],
      address[1],
      address[2],
      address[3],
      (byte) (port >> 8),
      (byte) port
    };
  }

  private void fail(Tunnel tunnel, String reason) {
    tally.failed(tunnel.succeeded ? Outcome.BROKEN : Outcome.REFUSED, reason);
    tunnel.outcome = tunnel.succeeded ? Outcome.BROKEN : Outcome.REFUSED;
    active.remove(tunnel);
    close(tunnel);
  }

  private static void close(Tunnel tunnel) {
    tunnel.stage = Stage.CLOSED;
    if (tunnel.channel == null) {
      return;
    }
    try {
      tunnel.channel.close();
    } catch (IOException ignored) {
      // closing is all we wanted
    }
  }

  /** A short word for the report: the exception's message without spaces. */
  private static String reason(IOException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.toLowerCase().replaceAll("[^a-z0-9]+", "_");
  }

  /**
   * One write per line: the scale bench reads these files while the run goes on, and printf to an
   * auto-flushing stream writes (and flushes) a line in pieces.
   */
  private static void printLine(String format, Object... values) {
    System.out.print(format.formatted(values));
    System.out.flush();
  }
}
