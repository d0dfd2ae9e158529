package dev.zcproxy.domain.contract;

import dev.zcproxy.domain.port.out.PolicyFeed;
import dev.zcproxy.domain.state.OutboxEntry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps every event a feed hands it, and notes any two calls that overlapped. */
public final class RecordingFeedListener implements PolicyFeed.Listener {

  private final List<OutboxEntry> changes = new CopyOnWriteArrayList<>();
  private final List<String> rejections = new CopyOnWriteArrayList<>();
  private final List<String> disconnects = new CopyOnWriteArrayList<>();
  private final AtomicInteger connects = new AtomicInteger();
  private final AtomicInteger overlaps = new AtomicInteger();
  private final AtomicBoolean inCall = new AtomicBoolean();

  @Override
  public void connected() {
    enter();
    connects.incrementAndGet();
    leave();
  }

  @Override
  public void change(OutboxEntry entry) {
    enter();
    changes.add(entry);
    leave();
  }

  @Override
  public void rejected(String reason) {
    enter();
    rejections.add(reason);
    leave();
  }

  @Override
  public void disconnected(String reason) {
    enter();
    disconnects.add(reason);
    leave();
  }

  public List<OutboxEntry> changes() {
    return List.copyOf(changes);
  }

  /** The revisions received, in arrival order. */
  public List<Long> revisions() {
    return changes.stream().map(OutboxEntry::revision).toList();
  }

  public List<String> rejections() {
    return List.copyOf(rejections);
  }

  public List<String> disconnects() {
    return List.copyOf(disconnects);
  }

  public int connects() {
    return connects.get();
  }

  /** Calls that began while another was still running: always 0 for a correct feed. */
  public int overlaps() {
    return overlaps.get();
  }

  private void enter() {
    if (!inCall.compareAndSet(false, true)) {
      overlaps.incrementAndGet();
    }
  }

  private void leave() {
    inCall.set(false);
  }
}
