package dev.zcproxy.outbound.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.zcproxy.domain.access.AccessRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsyncAccessLogTest {
  @TempDir Path dir;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void writes_one_line_per_record_to_the_file() throws Exception {
    Path file = dir.resolve("access.log");
    try (AsyncAccessLog log = AsyncAccessLog.toFile(file, AccessLogFormat.JSON, 100, registry)) {
      assertThat(file).exists();
      Records.everyKind().forEach(log::log);
      await(() -> lines(file).size() == Records.everyKind().size());
    }
    assertThat(lines(file)).allMatch(line -> line.startsWith("{\"time\":"));
    assertThat(registry.get("zcproxy.access.log.lines").counter().count())
        .isEqualTo(Records.everyKind().size());
  }

  @Test
  void appends_to_an_existing_file() throws Exception {
    Path file = dir.resolve("access.log");
    Files.writeString(file, "earlier\n");
    try (AsyncAccessLog log = AsyncAccessLog.toFile(file, AccessLogFormat.SQUID, 10, registry)) {
      log.log(Records.socks5Tunnel());
    }
    assertThat(lines(file)).hasSize(2).first().isEqualTo("earlier");
  }

  @Test
  void reopen_after_a_rotation_writes_to_a_new_file_under_the_same_name() throws Exception {
    Path file = dir.resolve("access.log");
    Path rotated = dir.resolve("access.log.1");
    try (AsyncAccessLog log = AsyncAccessLog.toFile(file, AccessLogFormat.SQUID, 10, registry)) {
      log.log(Records.socks5Tunnel());
      await(() -> lines(file).size() == 1);
      Files.move(file, rotated);

      log.reopen();
      await(() -> Files.exists(file));
      log.log(Records.socks5Tunnel());
      await(() -> lines(file).size() == 1);
    }
    assertThat(lines(rotated)).hasSize(1);
    assertThat(lines(file)).hasSize(1);
  }

  @Test
  void an_unwritable_path_fails_at_once() {
    Path missingDir = dir.resolve("no/such/dir/access.log");
    assertThatThrownBy(() -> AsyncAccessLog.toFile(missingDir, AccessLogFormat.JSON, 10, registry))
        .isInstanceOf(IOException.class);
  }

  @Test
  void a_stalled_writer_drops_and_counts_lines_and_never_blocks_the_caller() throws Exception {
    CountDownLatch unstall = new CountDownLatch(1);
    CountDownLatch stalled = new CountDownLatch(1);
    StringBuilder written = new StringBuilder();
    OutputStream stallingDisk =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            stalled.countDown();
            try {
              unstall.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
            synchronized (written) {
              written.append(new String(b, off, len, StandardCharsets.UTF_8));
            }
          }
        };
    AsyncAccessLog.Target target =
        new AsyncAccessLog.Target() {
          @Override
          public OutputStream open() {
            return stallingDisk;
          }

          @Override
          public boolean reopenable() {
            return false;
          }
        };
    int capacity = 8;
    int offered = 1_000;
    AccessRecord record = Records.socks5Tunnel();
    try (AsyncAccessLog log =
        new AsyncAccessLog(target, AccessLogFormat.SQUID, capacity, registry)) {
      log.log(record);
      // Lines the writer holds in its buffer are not on "disk" yet; make it flush and stall.
      assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();

      long start = System.nanoTime();
      for (int i = 0; i < offered; i++) {
        log.log(record);
      }
      long elapsed = System.nanoTime() - start;

      assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(1));
      double dropped =
          registry.get("zcproxy.access.log.dropped").tag("reason", "queue_full").counter().count();
      assertThat(dropped).isEqualTo(offered - capacity);
      unstall.countDown();
    }
    long linesOut;
    synchronized (written) {
      linesOut = written.chars().filter(c -> c == '\n').count();
    }
    assertThat(linesOut).isEqualTo(1 + capacity);
    assertThat(registry.get("zcproxy.access.log.lines").counter().count()).isEqualTo(1 + capacity);
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void await(Check check) {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(check::holds);
  }
}
