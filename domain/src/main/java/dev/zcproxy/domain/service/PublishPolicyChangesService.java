package dev.zcproxy.domain.service;

import dev.zcproxy.domain.port.out.BrokerUnavailableException;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.PolicyChangePublisher;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.state.OutboxEntry;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * The outbox relay's step: takes the unpublished entries in revision order, a batch at a time,
 * hands each batch to the broker and only then marks it published. Delivery is at least once: a
 * crash (or a lost store) between the publish and the mark publishes the batch again on the next
 * run, and subscribers drop revisions they already hold. One caller at a time: the relay is a
 * single thread, so batches never overtake each other.
 */
public final class PublishPolicyChangesService {

  /** What one {@link #publishPending} run did. */
  public sealed interface Run {

    /** Entries published (and marked) by this run. */
    int published();

    /** Revisions committed but not yet published when the run ended. */
    long lag();

    /** Everything committed up to the head is published. */
    record Caught(int published, long lag) implements Run {}

    /** The broker failed; what remains is published by a later run. */
    record BrokerDown(int published, long lag, String reason) implements Run {
      public BrokerDown {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  private final UnitOfWork unitOfWork;
  private final PolicyChangeOutbox outbox;
  private final PolicyChangePublisher publisher;
  private final Clock clock;
  private final int batchSize;

  public PublishPolicyChangesService(
      UnitOfWork unitOfWork,
      PolicyChangeOutbox outbox,
      PolicyChangePublisher publisher,
      Clock clock,
      int batchSize) {
    this.unitOfWork = Objects.requireNonNull(unitOfWork, "unitOfWork");
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    this.batchSize = batchSize;
  }

  /**
   * Publishes batches until none is left or the broker fails.
   *
   * @throws dev.zcproxy.domain.port.out.StoreUnavailableException when the store cannot be reached;
   *     whatever was published but not marked is published again later
   */
  public Run publishPending() {
    int published = 0;
    while (true) {
      Pending pending = unitOfWork.read(() -> pending());
      if (pending.batch().isEmpty()) {
        return new Run.Caught(published, 0);
      }
      try {
        publisher.publish(pending.batch());
      } catch (BrokerUnavailableException down) {
        return new Run.BrokerDown(published, pending.lag(), String.valueOf(down.getMessage()));
      }
      long last = pending.batch().getLast().revision();
      unitOfWork.write(
          () -> {
            outbox.markPublished(last, PolicyJournal.now(clock));
            return null;
          });
      published += pending.batch().size();
      if (pending.batch().size() < batchSize) {
        return new Run.Caught(published, pending.head() - last);
      }
    }
  }

  private Pending pending() {
    return new Pending(outbox.headRevision(), outbox.unpublished(batchSize));
  }

  /** One read: the head, and the oldest unpublished entries. */
  private record Pending(long head, List<OutboxEntry> batch) {

    /** From the last published revision (the first pending entry's predecessor) to the head. */
    long lag() {
      return batch.isEmpty() ? 0 : head - batch.getFirst().previousRevision();
    }
  }
}
