package dev.zcproxy.inbound.netty;

import static org.awaitility.Awaitility.await;

import dev.zcproxy.domain.access.AccessRecord;
import dev.zcproxy.domain.port.out.AccessLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** An in-memory {@link AccessLog}: the lines a test's proxy wrote, in order. */
public final class RecordingAccessLog implements AccessLog {
  public final List<AccessRecord> lines = new CopyOnWriteArrayList<>();

  @Override
  public void log(AccessRecord record) {
    lines.add(record);
  }

  /** Waits for the one line that {@code matches}, and fails if there are two. */
  public AccessRecord awaitLine(Predicate<AccessRecord> matches) {
    await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(matches));
    List<AccessRecord> found = lines.stream().filter(matches).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one line, got " + found);
    }
    return found.getFirst();
  }
}
