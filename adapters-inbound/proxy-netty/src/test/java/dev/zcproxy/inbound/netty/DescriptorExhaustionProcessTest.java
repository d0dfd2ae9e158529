package dev.zcproxy.inbound.netty;

import static dev.zcproxy.inbound.netty.SocketTestKit.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.inbound.netty.SocketTestKit.EchoServer;
import dev.zcproxy.inbound.netty.SocketTestKit.SocksClient;
import dev.zcproxy.inbound.netty.metrics.DescriptorExhaustion;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real EMFILE: the front end runs in a child JVM started under {@code prlimit --nofile=256:256},
 * and this test opens more connections than it has descriptors for. Its accept fails, then the
 * upstream socket of clients it already took. Every failure must be counted, the log must hold one
 * line per operation and interval, and Netty must not log each attempt itself.
 */
class DescriptorExhaustionProcessTest {

  private static final int OPEN_FILES = 256;
  private static final int FLOOD = 2 * OPEN_FILES;
  private static final int WAITING_CLIENTS = 20;
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Pattern COUNTS = Pattern.compile("COUNT accept=(\\d+) connect=(\\d+)");

  private final List<String> output = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private Process child;
  private OutputStream commands;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : open.reversed()) {
      closeable.close();
    }
    if (child != null) {
      child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void acceptAndConnectFailuresAreCountedEachAndLoggedOncePerInterval() throws Exception {
    EchoServer echo = opened(new EchoServer());
    InetSocketAddress proxy = new InetSocketAddress(LOOPBACK, startChild());

    // Every path a refusal takes runs once while the child can still open its jars.
    try (SocksClient warm = new SocksClient(proxy)) {
      warm.socks5Anonymous();
      assertThat(warm.socks5Connect(LOOPBACK, echo.port())).isZero();
      assertThat(warm.roundTrip("warm")).isEqualTo("warm");
    }
    try (SocksClient warm = new SocksClient(proxy)) {
      warm.socks5Anonymous();
      assertThat(warm.socks5Connect(LOOPBACK, SocketTestKit.closedPort())).isEqualTo(5);
    }
    List<SocksClient> waiting = new ArrayList<>();
    for (int i = 0; i < WAITING_CLIENTS; i++) {
      SocksClient client = opened(new SocksClient(proxy));
      client.socks5Anonymous();
      waiting.add(client);
    }

    // The kernel completes these handshakes into the listen backlog; the child runs out taking
    // them.
    for (int i = 0; i < FLOOD; i++) {
      Socket socket = opened(new Socket());
      socket.connect(proxy, SocketTestKit.SAFETY_NET_MILLIS);
    }
    awaitLine("accept failed with EMFILE");
    long exhaustedAt = System.nanoTime();
    await("a second accept failure, a second after the first")
        .atMost(PATIENCE)
        .until(() -> counts()[0] > 1);

    // All at once: each refusal closes its client, which frees a descriptor the next one may get.
    byte[] request = connectRequest(echo.port());
    for (SocksClient client : waiting) {
      client.out.write(request);
      client.out.flush();
    }
    int refused = 0;
    for (SocksClient client : waiting) {
      byte[] reply = client.readBytes(2);
      assertThat(reply[1]).as("SOCKS5 REP: succeeded or general failure").isIn((byte) 0, (byte) 1);
      refused += reply[1];
    }
    assertThat(refused)
        .as("CONNECTs refused with a general failure: the upstream socket could not be opened")
        .isGreaterThan(1);
    long[] counts = counts();

    // One line per interval, and the first one came before exhaustedAt.
    long intervals =
        1
            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - exhaustedAt)
                / DescriptorExhaustion.LOG_INTERVAL.toSeconds();
    long acceptLines = lines("accept failed with");
    long connectLines = lines("connect failed with");
    assertThat(acceptLines).isBetween(1L, intervals);
    assertThat(connectLines).isBetween(1L, intervals);
    assertThat(counts[0]).as("accept failures counted").isGreaterThan(acceptLines);
    assertThat(counts[1]).as("connect failures counted, one per refusal").isEqualTo(refused);
    assertThat(output)
        .as("Netty's own per-attempt warnings")
        .noneMatch(line -> line.contains("Too many open files"))
        .noneMatch(line -> line.contains("exceptionCaught() event was fired"));
  }

  /** SOCKS5 CONNECT to 127.0.0.1:{@code port}. */
  private static byte[] connectRequest(int port) {
    return new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port};
  }

  private int startChild() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    child =
        new ProcessBuilder(
                "prlimit",
                "--nofile=" + OPEN_FILES + ":" + OPEN_FILES,
                java,
                "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                classpath,
                DescriptorExhaustionChild.class.getName())
            .redirectErrorStream(true)
            .start();
    commands = child.getOutputStream();
    Thread.ofPlatform()
        .daemon()
        .name("child-output")
        .start(
            () -> {
              try (var lines =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(output::add);
              } catch (IOException ended) {
                // the child is gone
              }
            });
    Matcher listening = Pattern.compile("^LISTENING (\\d+)$").matcher(awaitLine("LISTENING "));
    assertThat(listening.matches()).isTrue();
    return Integer.parseInt(listening.group(1));
  }

  /** The child's counters: accept failures, then connect failures. */
  private long[] counts() throws IOException {
    long before = lines("COUNT ");
    commands.write("COUNT\n".getBytes(StandardCharsets.US_ASCII));
    commands.flush();
    await().atMost(PATIENCE).until(() -> lines("COUNT ") > before);
    Matcher counts =
        COUNTS.matcher(output.stream().filter(l -> l.startsWith("COUNT ")).toList().getLast());
    assertThat(counts.matches()).isTrue();
    return new long[] {Long.parseLong(counts.group(1)), Long.parseLong(counts.group(2))};
  }

  private String awaitLine(String fragment) {
    await("a line with '" + fragment + "' from the child")
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!child.isAlive() && lines(fragment) == 0) {
                throw new AssertionError(
                    "the child exited with "
                        + child.exitValue()
                        + ":\n"
                        + String.join("\n", output));
              }
              return lines(fragment) > 0;
            });
    return output.stream().filter(line -> line.contains(fragment)).findFirst().orElseThrow();
  }

  private long lines(String fragment) {
    return output.stream().filter(line -> line.contains(fragment)).count();
  }

  private <T extends AutoCloseable> T opened(T closeable) {
    open.add(closeable);
    return closeable;
  }
}
