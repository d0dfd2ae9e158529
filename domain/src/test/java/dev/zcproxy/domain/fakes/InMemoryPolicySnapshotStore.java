package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.port.out.PolicySnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The proxy's saved snapshot in memory; it can be made to fail like an unreadable file. */
public final class InMemoryPolicySnapshotStore implements PolicySnapshotStore {

  private Saved saved;
  private boolean broken;
  private final List<Saved> history = new ArrayList<>();

  public InMemoryPolicySnapshotStore() {}

  public InMemoryPolicySnapshotStore(Saved initial) {
    this.saved = initial;
  }

  public synchronized void broken(boolean broken) {
    this.broken = broken;
  }

  @Override
  public synchronized Optional<Saved> load() {
    if (broken) {
      throw new IllegalStateException("the saved copy is unreadable");
    }
    return Optional.ofNullable(saved);
  }

  @Override
  public synchronized void save(Saved snapshot) {
    if (broken) {
      throw new IllegalStateException("the disk is full");
    }
    saved = snapshot;
    history.add(snapshot);
  }

  /** Every snapshot saved, in order. */
  public synchronized List<Saved> history() {
    return List.copyOf(history);
  }
}
