package dev.zcproxy.splice;

import static dev.zcproxy.splice.SpliceTestKit.drain;
import static dev.zcproxy.splice.SpliceTestKit.send;
import static dev.zcproxy.splice.SpliceTestKit.socks5Connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.zcproxy.inbound.netty.ProxyServer;
import dev.zcproxy.inbound.netty.ProxyServerSettings.RelayMode;
import dev.zcproxy.splice.SpliceTestKit.CountingOutputStream;
import dev.zcproxy.splice.SpliceTestKit.Digest;
import dev.zcproxy.splice.SpliceTestKit.Exchange;
import dev.zcproxy.splice.SpliceTestKit.Upstream;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spliced tunnels through the real front end ({@code relay: splice}) over loopback: exact bytes
 * both ways, half-close, resets, idle timeout, and what the proxy holds while a reader stalls.
 */
class SplicedTunnelTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private ProxyServer server;
  private InetSocketAddress proxy;
  private Upstream upstream;

  @BeforeEach
  void start() {
    startProxy(Duration.ofMinutes(1));
  }

  private void startProxy(Duration idleTimeout) {
    server = SpliceTestKit.proxy(RelayMode.SPLICE, idleTimeout, registry);
    proxy = server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    if (upstream != null) {
      upstream.close();
    }
    threads.close();
    // The pools close their ready pipes once their event loops have ended.
    await().atMost(AWAIT).untilAsserted(() -> assertThat(Pipe.openPipes()).isZero());
    assertThat(SpliceRelay.pipesInUse()).as("pipes held by no tunnel").isZero();
  }

  private void restartProxy(RelayMode relay, int maxPipes) {
    server.close();
    server = SpliceTestKit.proxy(relay, Duration.ofMinutes(1), registry, maxPipes);
    proxy = server.start();
  }

  private double meter(String line) {
    for (String scraped : registry.scrape().split("\n")) {
      if (scraped.startsWith(line + " ")) {
        return Double.parseDouble(scraped.substring(line.length() + 1));
      }
    }
    return 0;
  }

  /** Both ways at once, {@code length} bytes each, checked by digest. */
  private void exchange(long length) throws Exception {
    CompletableFuture<Exchange> atUpstream = new CompletableFuture<>();
    upstream = exchangingUpstream(length, atUpstream);
    try (Socket client = socks5Connect(proxy, upstream.port())) {
      Future<Digest> received = threads.submit(() -> drain(client.getInputStream()));
      Digest sent = send(client.getOutputStream(), length, 1);
      client.shutdownOutput();
      Exchange upstreamSide = atUpstream.get(60, TimeUnit.SECONDS);
      assertThat(upstreamSide.received()).as("client to upstream").isEqualTo(sent);
      assertThat(received.get(60, TimeUnit.SECONDS))
          .as("upstream to client")
          .isEqualTo(upstreamSide.sent());
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
  }

  @ParameterizedTest(name = "max pipes {0}")
  @ValueSource(ints = {0, 1})
  void with_too_few_pipes_every_byte_still_arrives_by_copy(int maxPipes) throws Exception {
    restartProxy(RelayMode.SPLICE, maxPipes);
    double copiedBefore = meter("zcproxy_splice_copied_bytes_total");

    // 256 MiB each way; with one pipe the two directions take it in turns, so it comes and goes.
    exchange(256L * 1024 * 1024);

    double copied = meter("zcproxy_splice_copied_bytes_total") - copiedBefore;
    assertThat(copied).as("bytes that went by copy").isPositive();
    if (maxPipes == 0) {
      assertThat(copied).isEqualTo(2 * 256.0 * 1024 * 1024);
    }
    assertThat(meter("zcproxy_splice_pipe_shortages_total{reason=\"pool_full\"}")).isPositive();
    assertThat(meter("zcproxy_splice_pipes_max")).isEqualTo(maxPipes);
    assertThat(upstream.failures).isEmpty();
  }

  @Test
  void a_tunnel_idle_after_a_burst_holds_no_pipe() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    upstream =
        new Upstream(
            socket -> {
              InputStream in = socket.getInputStream();
              byte[] burst = in.readNBytes(4 * 1024 * 1024);
              socket.getOutputStream().write(burst);
              release.await(); // stays open, says nothing more
            });

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      Future<Digest> echoed =
          threads.submit(
              () -> {
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(client.getInputStream().readNBytes(4 * 1024 * 1024));
                return new Digest(4 * 1024 * 1024, crc.getValue());
              });
      Digest sent = send(client.getOutputStream(), 4 * 1024 * 1024, 9);
      assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo(sent);

      await().atMost(AWAIT).until(() -> SpliceRelay.pipesInUse() == 0);
      assertThat(server.activeTunnels()).as("the tunnel is still open").isEqualTo(1);
      assertThat(meter("zcproxy_splice_pipes_in_use")).isZero();
    } finally {
      release.countDown();
    }
  }

  @Test
  void auto_copies_a_short_exchange_and_splices_a_stream() throws Exception {
    restartProxy(RelayMode.AUTO, 1024);
    upstream =
        new Upstream(socket -> socket.getOutputStream().write(socket.getInputStream().read()));
    try (Socket client = socks5Connect(proxy, upstream.port())) {
      client.getOutputStream().write(42);
      assertThat(client.getInputStream().read()).isEqualTo(42);
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    String up = "{direction=\"upstream\",protocol=\"socks5\",relay=";
    String down = "{direction=\"downstream\",protocol=\"socks5\",relay=";
    assertThat(meter("zcproxy_bytes_relayed_total" + up + "\"copy\"}")).isEqualTo(1);
    assertThat(meter("zcproxy_bytes_relayed_total" + up + "\"splice\"}"))
        .as("a one-byte exchange never leaves copy")
        .isZero();
    upstream.close();

    long length = 64L * 1024 * 1024;
    exchange(length);

    double splicedUp = meter("zcproxy_bytes_relayed_total" + up + "\"splice\"}");
    double copiedUp = meter("zcproxy_bytes_relayed_total" + up + "\"copy\"}");
    double splicedDown = meter("zcproxy_bytes_relayed_total" + down + "\"splice\"}");
    double copiedDown = meter("zcproxy_bytes_relayed_total" + down + "\"copy\"}");
    assertThat(splicedUp + copiedUp).isEqualTo(length + 1.0);
    assertThat(splicedDown + copiedDown).isEqualTo(length + 1.0);
    assertThat(splicedUp).as("most went by splice").isGreaterThan(length / 2.0);
    assertThat(upstream.failures).isEmpty();
  }

  /** The upstream sends {@code length} bytes of its own while it reads the client's to the end. */
  private Upstream exchangingUpstream(long length, CompletableFuture<Exchange> seen)
      throws IOException {
    return new Upstream(
        socket -> {
          Future<Digest> received = threads.submit(() -> drain(socket.getInputStream()));
          Digest sent = send(socket.getOutputStream(), length, 2);
          socket.shutdownOutput();
          seen.complete(new Exchange(sent, received.get(30, TimeUnit.SECONDS)));
        });
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(longs = {0, 1, 65_535, 65_536, 65_537, 256L * 1024 * 1024})
  void every_byte_arrives_both_ways(long length) throws Exception {
    CompletableFuture<Exchange> atUpstream = new CompletableFuture<>();
    upstream = exchangingUpstream(length, atUpstream);

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      Future<Digest> received = threads.submit(() -> drain(client.getInputStream()));
      Digest sent = send(client.getOutputStream(), length, 1);
      client.shutdownOutput();

      Exchange upstreamSide = atUpstream.get(30, TimeUnit.SECONDS);
      assertThat(upstreamSide.received()).as("client to upstream").isEqualTo(sent);
      assertThat(received.get(30, TimeUnit.SECONDS))
          .as("upstream to client")
          .isEqualTo(upstreamSide.sent());
      assertThat(sent.bytes()).isEqualTo(length);
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    // The front end counts a tunnel out a moment before it updates the gauge: wait for the gauge.
    await()
        .atMost(AWAIT)
        .until(
            () ->
                registry
                    .scrape()
                    .contains("zcproxy_tunnels_active{protocol=\"socks5\",relay=\"splice\"} 0.0"));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains(
            "zcproxy_bytes_relayed_total{direction=\"upstream\",protocol=\"socks5\",relay=\"splice\"} "
                + (double) length)
        .contains(
            "zcproxy_bytes_relayed_total{direction=\"downstream\",protocol=\"socks5\",relay=\"splice\"} "
                + (double) length)
        .contains("zcproxy_tunnels_active{protocol=\"socks5\",relay=\"splice\"} 0.0")
        .contains("zcproxy_splice_pipes_in_use 0.0");
    assertThat(upstream.failures).isEmpty();
  }

  @Test
  void a_client_that_shuts_down_its_output_still_gets_the_whole_answer() throws Exception {
    upstream =
        new Upstream(
            socket -> {
              byte[] question = socket.getInputStream().readAllBytes(); // up to the client's FIN
              send(socket.getOutputStream(), 4L * 1024 * 1024, question.length);
            });

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      client.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
      client.shutdownOutput();

      Digest answer = drain(client.getInputStream());

      assertThat(answer)
          .isEqualTo(send(java.io.OutputStream.nullOutputStream(), 4L * 1024 * 1024, 8));
    }
    assertThat(upstream.failures).isEmpty();
  }

  @Test
  void an_upstream_that_shuts_down_first_still_gets_the_clients_bytes() throws Exception {
    CompletableFuture<Digest> atUpstream = new CompletableFuture<>();
    upstream =
        new Upstream(
            socket -> {
              socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
              socket.shutdownOutput();
              atUpstream.complete(drain(socket.getInputStream()));
            });

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      assertThat(client.getInputStream().readAllBytes()).asString().isEqualTo("hello");
      Digest sent = send(client.getOutputStream(), 1024 * 1024, 3);
      client.shutdownOutput();

      assertThat(atUpstream.get(30, TimeUnit.SECONDS)).isEqualTo(sent);
    }
  }

  @Test
  void an_upstream_reset_reaches_the_client_as_a_reset() throws Exception {
    upstream =
        new Upstream(
            socket -> {
              socket.getInputStream().read();
              socket.setSoLinger(true, 0);
              socket.close();
            });

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      client.getOutputStream().write(1);

      assertThatThrownBy(() -> drain(client.getInputStream()))
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    assertThat(registry.scrape()).contains("zcproxy_splice_errors_total{errno=\"ECONNRESET\"} 1.0");
  }

  @Test
  void a_client_reset_reaches_the_upstream_as_a_reset() throws Exception {
    CompletableFuture<Throwable> atUpstream = new CompletableFuture<>();
    upstream =
        new Upstream(
            socket -> {
              InputStream in = socket.getInputStream();
              in.read();
              try {
                drain(in);
                atUpstream.complete(null);
              } catch (IOException e) {
                atUpstream.complete(e);
              }
            });

    Socket client = socks5Connect(proxy, upstream.port());
    client.getOutputStream().write(1);
    client.setSoLinger(true, 0);
    client.close();

    assertThat(atUpstream.get(30, TimeUnit.SECONDS))
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("reset");
  }

  @Test
  void bytes_sent_with_the_request_reach_the_upstream_first() throws Exception {
    CompletableFuture<String> atUpstream = new CompletableFuture<>();
    upstream =
        new Upstream(
            socket ->
                atUpstream.complete(
                    new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)));

    try (Socket client =
        socks5Connect(proxy, upstream.port(), "early ".getBytes(StandardCharsets.US_ASCII))) {
      client.getOutputStream().write("and late".getBytes(StandardCharsets.US_ASCII));
      client.shutdownOutput();

      assertThat(atUpstream.get(30, TimeUnit.SECONDS)).isEqualTo("early and late");
    }
  }

  @Test
  void an_upstream_that_speaks_first_and_leaves_at_once_loses_nothing() throws Exception {
    // The banner and the FIN may arrive while the front end is still handing the sockets over.
    upstream =
        new Upstream(
            socket -> {
              socket.getOutputStream().write("220 banner\r\n".getBytes(StandardCharsets.US_ASCII));
              socket.shutdownOutput();
              socket.getInputStream().readAllBytes();
            });

    for (int i = 0; i < 50; i++) {
      try (Socket client = socks5Connect(proxy, upstream.port())) {
        assertThat(client.getInputStream().readAllBytes()).asString().isEqualTo("220 banner\r\n");
      }
    }
    assertThat(upstream.failures).isEmpty();
  }

  @Test
  void an_idle_tunnel_is_closed() throws Exception {
    server.close();
    startProxy(Duration.ofMillis(300));
    upstream = new Upstream(socket -> drain(socket.getInputStream()));

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      // No byte either way: the proxy ends the tunnel with a FIN, and the read returns.
      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    await().atMost(AWAIT).until(() -> upstream.openSessions() == 0);
  }

  @Test
  void a_half_closed_quiet_tunnel_costs_no_cpu() throws Exception {
    CompletableFuture<Digest> finSeen = new CompletableFuture<>();
    CountDownLatch release = new CountDownLatch(1);
    upstream =
        new Upstream(
            socket -> {
              finSeen.complete(drain(socket.getInputStream()));
              release.await(); // keeps its own side open, and says nothing
            });

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      client.shutdownOutput();
      assertThat(finSeen.get(30, TimeUnit.SECONDS).bytes()).isZero();

      // Level-triggered, the half-closed socket's EPOLLIN (and any writable socket's EPOLLOUT)
      // would fire on every turn of the event loop, and the count would never hold still;
      // edge-triggered, the last few edges (the FIN, its ACK) are reported once, then nothing
      // happens until a peer does something.
      awaitStill(SpliceTunnel::readinessEventsSoFar, 5);
      assertThat(server.activeTunnels()).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void a_stalled_reader_holds_the_sender_back_and_the_proxy_buffers_nothing() throws Exception {
    long length = 64L * 1024 * 1024;
    CompletableFuture<Digest> sent = new CompletableFuture<>();
    AtomicLong written = new AtomicLong();
    upstream =
        new Upstream(
            socket -> {
              sent.complete(
                  send(new CountingOutputStream(socket.getOutputStream(), written), length, 7));
              socket.shutdownOutput();
              drain(socket.getInputStream());
            });

    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(64 * 1024); // a small window that does not grow: a slow reader
      socks5Connect(client, proxy, upstream.port(), new byte[0]);
      await().atMost(AWAIT).until(() -> server.activeTunnels() == 1 && written.get() > 0);
      long directMemoryBefore = SpliceTestKit.usedDirectMemory();

      // The client reads nothing: every buffer between the two fills, then the sender blocks.
      awaitStill(written::get, 3);
      assertThat(written.get())
          .as("bytes the sender got out before it was held back")
          .isLessThan(length);
      assertThat(SpliceTestKit.usedDirectMemory())
          .as("direct memory of the proxy while the reader stalled")
          .isEqualTo(directMemoryBefore);

      Digest received = drain(client.getInputStream());

      assertThat(received).isEqualTo(sent.get(30, TimeUnit.SECONDS));
      assertThat(SpliceTestKit.usedDirectMemory())
          .as("direct memory of the proxy after 64 MiB went through")
          .isEqualTo(directMemoryBefore);
    }
  }

  /** Returns once {@code counter} held still over {@code polls} polls, 100 ms apart, in a row. */
  private static void awaitStill(LongSupplier counter, int polls) {
    long[] last = {-1};
    int[] still = {0};
    await()
        .atMost(AWAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              long now = counter.getAsLong();
              still[0] = now == last[0] ? still[0] + 1 : 0;
              last[0] = now;
              return still[0] >= polls;
            });
  }

  @Test
  void a_thousand_tunnels_leave_no_descriptor_behind() throws Exception {
    upstream =
        new Upstream(socket -> socket.getOutputStream().write(socket.getInputStream().read()));
    for (int i = 0; i < 8; i++) {
      roundTrip(); // every event loop started, every lazy structure built
    }
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0 && upstream.openSessions() == 0);
    // Pools keep a few empty pipes ready: descriptors are counted without them.
    long baseline = SpliceTestKit.openFileDescriptors() - 2 * Pipe.openPipes();

    for (int i = 0; i < 1_000; i++) {
      roundTrip();
    }

    await()
        .atMost(AWAIT)
        .untilAsserted(
            () -> {
              assertThat(server.activeTunnels()).isZero();
              assertThat(SpliceRelay.pipesInUse()).isZero();
              assertThat(Pipe.openPipes()).isLessThanOrEqualTo(2 * PipePool.KEEP_READY);
              assertThat(SpliceTestKit.openFileDescriptors() - 2 * Pipe.openPipes())
                  .isEqualTo(baseline);
            });
    assertThat(upstream.failures).isEmpty();
  }

  @Test
  void tunnels_opened_and_closed_by_many_clients_at_once_all_succeed() throws Exception {
    // The far end answers and hangs up, as a web server does: tunnels end while other clients'
    // upstream connects are under way on the same event loops, which is when a closed socket's
    // descriptor number is reused at once.
    upstream =
        new Upstream(
            socket -> {
              socket.getOutputStream().write(socket.getInputStream().read());
              socket.shutdownOutput();
            });
    int clients = 16;
    int tunnelsEach = 150;
    List<Future<Integer>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      done.add(
          threads.submit(
              () -> {
                for (int i = 0; i < tunnelsEach; i++) {
                  roundTrip();
                }
                return tunnelsEach;
              }));
    }
    int succeeded = 0;
    for (Future<Integer> client : done) {
      succeeded += client.get(60, TimeUnit.SECONDS);
    }

    assertThat(succeeded).isEqualTo(clients * tunnelsEach);
    await().atMost(AWAIT).until(() -> server.activeTunnels() == 0);
    assertThat(upstream.failures).isEmpty();
  }

  private void roundTrip() throws IOException {
    try (Socket client = socks5Connect(proxy, upstream.port())) {
      client.getOutputStream().write(42);
      assertThat(client.getInputStream().read()).isEqualTo(42);
    }
  }

  @Test
  void shutting_the_server_down_closes_spliced_tunnels() throws Exception {
    upstream = new Upstream(socket -> drain(socket.getInputStream()));

    try (Socket client = socks5Connect(proxy, upstream.port())) {
      await().atMost(AWAIT).until(() -> server.activeTunnels() == 1);

      server.shutdown(Duration.ZERO);

      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    await().atMost(AWAIT).until(() -> upstream.openSessions() == 0);
  }
}
